//! Going alone: what each shipment would cost its member shipped without the pool (LTL by hundredweight or a dedicated truck).
