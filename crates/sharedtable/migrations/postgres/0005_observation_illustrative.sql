-- Observations get the `illustrative` flag partnerships, organizations and wins have: a value
-- invented to show what a record looks like (e.g. the savings of a freight plan of the demo's
-- invented member manufacturers). Illustrative values are badged and left out of network
-- figures (the impact report's latest values and totals) unless the viewer asks for them.
ALTER TABLE observations ADD COLUMN illustrative BOOLEAN NOT NULL DEFAULT FALSE;
