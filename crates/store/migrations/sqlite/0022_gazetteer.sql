-- The address gazetteer (地名地址库): roads with house-number ranges, residential compounds
-- and their buildings, other buildings and landmarks, each with a point and the unit whose
-- polygon held it when it was imported. An import replaces the whole gazetteer.
CREATE TABLE gazetteer (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES gazetteer(id),
    house_from BIGINT,
    house_to BIGINT,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    area_id BIGINT REFERENCES units(id),
    created_at BIGINT NOT NULL
);
