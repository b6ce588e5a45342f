-- Places: a unit's national place code (GB/T 30428: 9-digit street, 12-digit community,
-- 15-digit grid; 18 digits for civicgrid's subgrids) and the layer its polygon belongs to.
-- Layers may overlap one another (exclusive grids over comprehensive ones); a unit has
-- one polygon, in one layer. Moving a boundary rewrites the polygon: requests keep the
-- unit they were placed in.
ALTER TABLE units ADD COLUMN code TEXT;
ALTER TABLE units ADD COLUMN layer TEXT;
CREATE UNIQUE INDEX units_code ON units(code);

CREATE TABLE grid_layers (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    exclusive BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
INSERT INTO grid_layers (code, name, kind, exclusive, created_at) VALUES
    ('streets', '街道', 'street', 0, 0),
    ('communities', '社区', 'community', 0, 0),
    ('grids', '综合网格', 'grid', 0, 0),
    ('subgrids', '子网格', 'subgrid', 0, 0);
UPDATE units SET layer = CASE kind
    WHEN 'street' THEN 'streets'
    WHEN 'community' THEN 'communities'
    WHEN 'grid' THEN 'grids'
    WHEN 'subgrid' THEN 'subgrids'
    END
WHERE geometry IS NOT NULL;
