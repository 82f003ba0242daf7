-- Freight pooling (the `freight` module): each partnership's fleet and cost settings, the
-- shipments its members post, and the plans that pool them into shared truck routes.
-- Money is integer US cents; local times are ISO 8601 without an offset ("2026-03-02T08:00"),
-- read on the partnership's local clock. Ids are UUIDv7 text, timestamps RFC 3339 UTC text.

CREATE TABLE freight_settings (
    partnership_id       TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    -- JSON array of vehicle types: {name, capacity_pallets, capacity_lb, count, depot_city,
    -- depot_state, depot_latitude, depot_longitude, fixed_cost_cents, cost_per_mile_cents, cost_per_hour_cents}
    fleet                TEXT COLLATE "C" NOT NULL,
    max_driving_minutes  BIGINT NOT NULL,
    max_duty_minutes     BIGINT NOT NULL,
    travel_kind          TEXT COLLATE "C" NOT NULL,            -- great_circle | matrix
    circuity             DOUBLE PRECISION NOT NULL,
    average_speed_mph    DOUBLE PRECISION NOT NULL,
    matrix_csv           TEXT COLLATE "C",                     -- from,to,miles,minutes as uploaded
    going_alone          TEXT COLLATE "C" NOT NULL,            -- JSON of the going-alone cost model
    allocation_method    TEXT COLLATE "C" NOT NULL,            -- shapley | proportional_to_stand_alone | equal_relative_savings
    max_seconds          DOUBLE PRECISION NOT NULL,            -- time budget of one planning run
    seed                 BIGINT NOT NULL,
    version              BIGINT NOT NULL DEFAULT 1,
    created_at           TEXT COLLATE "C" NOT NULL,
    updated_at           TEXT COLLATE "C" NOT NULL
);

CREATE TABLE freight_shipments (
    id                        TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id            TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    organization_id           TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reference                 TEXT COLLATE "C" NOT NULL,
    pickup_city               TEXT COLLATE "C" NOT NULL,
    pickup_state              TEXT COLLATE "C" NOT NULL,
    pickup_latitude           DOUBLE PRECISION NOT NULL,
    pickup_longitude          DOUBLE PRECISION NOT NULL,
    delivery_city             TEXT COLLATE "C" NOT NULL,
    delivery_state            TEXT COLLATE "C" NOT NULL,
    delivery_latitude         DOUBLE PRECISION NOT NULL,
    delivery_longitude        DOUBLE PRECISION NOT NULL,
    pallets                   BIGINT NOT NULL,
    weight_lb                 BIGINT NOT NULL,
    pickup_earliest           TEXT COLLATE "C" NOT NULL,
    pickup_latest             TEXT COLLATE "C" NOT NULL,
    delivery_earliest         TEXT COLLATE "C" NOT NULL,
    delivery_latest           TEXT COLLATE "C" NOT NULL,
    pickup_service_minutes    BIGINT NOT NULL,
    delivery_service_minutes  BIGINT NOT NULL,
    notes                     TEXT COLLATE "C",
    version                   BIGINT NOT NULL DEFAULT 1,
    created_at                TEXT COLLATE "C" NOT NULL,
    updated_at                TEXT COLLATE "C" NOT NULL,
    UNIQUE (partnership_id, reference)
);
CREATE INDEX freight_shipments_partnership ON freight_shipments (partnership_id, pickup_earliest);
CREATE INDEX freight_shipments_org ON freight_shipments (organization_id);

CREATE TABLE freight_plans (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    week_start      TEXT COLLATE "C" NOT NULL,                 -- local date of minute 0 (a Monday)
    status          TEXT COLLATE "C" NOT NULL,                 -- queued | running | done | failed | approved
    progress        DOUBLE PRECISION NOT NULL DEFAULT 0,       -- 0 to 1
    request         TEXT COLLATE "C" NOT NULL,                 -- JSON snapshot of what was planned
    result          TEXT COLLATE "C",                          -- JSON of the plan and its economics
    error           TEXT COLLATE "C",
    created_at      TEXT COLLATE "C" NOT NULL,
    started_at      TEXT COLLATE "C",
    finished_at     TEXT COLLATE "C",
    approved_at     TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX freight_plans_partnership ON freight_plans (partnership_id, created_at);

-- The observations (network module) an approved plan recorded, so each links back to its plan.
CREATE TABLE freight_plan_observations (
    plan_id         TEXT COLLATE "C" NOT NULL REFERENCES freight_plans (id) ON DELETE CASCADE,
    observation_id  TEXT COLLATE "C" NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    measure         TEXT COLLATE "C" NOT NULL,                 -- cost_saved | miles_avoided | co2_avoided
    PRIMARY KEY (plan_id, observation_id)
);
CREATE INDEX freight_plan_observations_obs ON freight_plan_observations (observation_id);
