-- A counter that every committed change of network data raises by one (db::commit). Cached pages
-- are valid while the generation they were rendered at is current, so a change made by any
-- process (the server, a CLI import) is seen on the next request.
CREATE TABLE data_generation (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);
