-- One warehouse release. Every table is written once by a build and never changed afterwards.
CREATE TABLE release_info (
    release_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    code_version VARCHAR NOT NULL,
    raw_root VARCHAR NOT NULL,         -- the mirror or cache the raw files were read from
    build_seconds DOUBLE
);

CREATE TABLE area (
    code VARCHAR PRIMARY KEY,          -- ISO 3166 alpha-3, or a stable project code for groups and special areas
    m49 INTEGER,
    iso2 VARCHAR,
    name VARCHAR NOT NULL,
    short_name VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('country', 'group', 'special', 'historical', 'other_entity')),
    scheme VARCHAR,                    -- for groups: the grouping scheme (un_region, sdg_region, wb_income, ...)
    note VARCHAR
);

CREATE TABLE area_membership (
    area VARCHAR NOT NULL REFERENCES area (code),
    "group" VARCHAR NOT NULL REFERENCES area (code),
    scheme VARCHAR NOT NULL,
    PRIMARY KEY (area, "group")
);

CREATE TABLE area_alias (
    alias VARCHAR NOT NULL,
    code VARCHAR NOT NULL REFERENCES area (code),
    scheme VARCHAR NOT NULL,
    origin VARCHAR NOT NULL
);

CREATE TABLE dataset (
    id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    publisher VARCHAR NOT NULL,
    producer VARCHAR NOT NULL,
    version_producer VARCHAR NOT NULL,
    url_main VARCHAR,
    date_published VARCHAR,
    date_accessed DATE,
    retrieved_at TIMESTAMP NOT NULL,   -- when this build read the raw files
    licence VARCHAR NOT NULL,
    citation_full VARCHAR NOT NULL,
    note VARCHAR,
    repackaged BOOLEAN NOT NULL,
    row_count BIGINT NOT NULL,
    revision VARCHAR                   -- the publisher's edition (e.g. '2024' for International Migrant Stock 2024)
);

-- Years (or periods) a dataset covers only in part: values carry the cut-off and are not ranked against full years.
CREATE TABLE partial_period (
    dataset_id VARCHAR NOT NULL REFERENCES dataset (id),
    year INTEGER NOT NULL,
    period VARCHAR NOT NULL,
    until DATE NOT NULL,
    note VARCHAR
);

CREATE TABLE dataset_file (
    dataset_id VARCHAR NOT NULL REFERENCES dataset (id),
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    url_download VARCHAR,
    PRIMARY KEY (dataset_id, path)
);

-- A measure given by several datasets (editions of one series, overlapping sources) has one row per dataset.
CREATE TABLE measure (
    id VARCHAR NOT NULL,
    dataset_id VARCHAR NOT NULL REFERENCES dataset (id),
    label VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('stock', 'flow', 'rate', 'cost', 'index', 'count')),
    unit VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    level VARCHAR NOT NULL CHECK (level IN ('area', 'corridor')),
    category_label VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('reported', 'estimated', 'modelled', 'minimum')),
    preferred BOOLEAN NOT NULL DEFAULT true, -- false: another dataset of the measure comes first in series.yml
    PRIMARY KEY (id, dataset_id)
);

-- Long format, one row per value. Corridor measures use origin/destination, the others use area.
CREATE TABLE observation (
    dataset_id VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    area VARCHAR,
    origin VARCHAR,
    destination VARCHAR,
    year INTEGER NOT NULL,
    period VARCHAR NOT NULL,           -- '' for a plain year; '2019Q2' for a quarter; '1990-1995' for a flow period
    sex VARCHAR NOT NULL CHECK (sex IN ('total', 'female', 'male')),
    age VARCHAR NOT NULL,              -- 'total', a single year '37', or a band '0-4'
    category VARCHAR NOT NULL,         -- one extra dimension declared per measure (route, cause, method, ...), '' if none
    value DOUBLE,
    lower DOUBLE,
    upper DOUBLE,
    status VARCHAR NOT NULL CHECK (status IN ('reported', 'estimated', 'modelled', 'minimum')),
    note VARCHAR
);

-- Values of a measure that another source supplies for the same year and period (sources/series.yml): kept
-- for comparison (earlier revisions, overlapping sources), never added to `observation`.
CREATE TABLE observation_alternative AS SELECT * FROM observation LIMIT 0;

-- Measures given by several sources: the declared order and rule, and which source supplies each period.
CREATE TABLE series (
    measure_id VARCHAR PRIMARY KEY,
    rule VARCHAR NOT NULL,
    sources VARCHAR[] NOT NULL         -- in order of preference
);

CREATE TABLE series_choice (
    measure_id VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    period VARCHAR NOT NULL,
    dataset_id VARCHAR NOT NULL,       -- the source that supplies this period
    alternatives VARCHAR[] NOT NULL,   -- sources whose values for this period are in observation_alternative
    PRIMARY KEY (measure_id, year, period)
);

-- Data-quality findings of the build: errors stop a build, warnings are kept here for users to see.
CREATE TABLE check_result (
    dataset_id VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    file VARCHAR,
    row_number BIGINT,
    field VARCHAR,
    message VARCHAR NOT NULL,
    count BIGINT NOT NULL
);

-- How each distinct raw name or code was resolved; guesses (exact = false) are listed for review.
CREATE TABLE area_resolution (
    dataset_id VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    raw_value VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    exact BOOLEAN NOT NULL,
    method VARCHAR NOT NULL
);

-- Monitoring frameworks: GCM (23 objectives), GCR (4), SDG targets.
CREATE TABLE framework_objective (
    framework VARCHAR NOT NULL CHECK (framework IN ('GCM', 'GCR', 'SDG')),
    code VARCHAR NOT NULL,             -- '1'..'23' for GCM, '1'..'4' for GCR, '10.7' etc. for SDG targets
    short_name VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    PRIMARY KEY (framework, code)
);

-- The indicator catalogue as computed in this release (declared in observatory/indicators/catalogue/*.yml).
CREATE TABLE indicator (
    id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('stock', 'flow', 'rate', 'cost', 'index', 'count')),
    level VARCHAR NOT NULL CHECK (level IN ('area', 'corridor')),
    sdg_indicator VARCHAR,             -- e.g. '10.7.4'
    note VARCHAR,                      -- caveats users must see (what is included, what is excluded)
    headline_category VARCHAR,         -- the category one headline number shows (e.g. the recommended flow method)
    headline_age VARCHAR,              -- the age band it shows where there is no all-ages value (e.g. '20-64')
    category_labels VARCHAR,           -- JSON object: what each category code means, in display order
    category_measures VARCHAR[]        -- measures whose categories those labels explain (inputs and declared twins)
);

CREATE TABLE indicator_framework (
    indicator VARCHAR NOT NULL REFERENCES indicator (id),
    framework VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    PRIMARY KEY (indicator, framework, code)
);

-- Every computed value, with the datasets it came from; group values carry the population coverage.
CREATE TABLE indicator_value (
    indicator VARCHAR NOT NULL,
    area VARCHAR,
    origin VARCHAR,
    destination VARCHAR,
    year INTEGER NOT NULL,
    period VARCHAR NOT NULL,           -- '' for a year; '2019Q2' for a quarter; '1990-1995' for a flow period
    sex VARCHAR NOT NULL,
    age VARCHAR NOT NULL,
    category VARCHAR NOT NULL,         -- e.g. the estimation method of a flow, a migration route
    value DOUBLE,
    lower DOUBLE,
    upper DOUBLE,
    status VARCHAR NOT NULL CHECK (status IN ('reported', 'estimated', 'modelled', 'minimum')),
    sources VARCHAR[] NOT NULL,        -- dataset ids
    coverage DOUBLE,                   -- groups only: share of the group's population in countries with data (0..1)
    note VARCHAR,
    revision VARCHAR,                  -- editions of the revised inputs this value uses, e.g. '2024'
    partial_until DATE                 -- set when the period is covered only in part (to this date): not ranked
);

-- Values of an indicator recomputed from an earlier edition of a revised input (e.g. IMS 2020), side by side
-- with the default values in `indicator_value`, which use the latest edition.
CREATE TABLE indicator_value_revision AS SELECT * FROM indicator_value LIMIT 0;

-- What the release was built from: fingerprints of the build's code, each source (declaration, connector, raw file
-- checksums) and each indicator declaration. The next build parses again only what changed (warehouse/incremental.py).
CREATE TABLE build_input (
    kind VARCHAR NOT NULL CHECK (kind IN ('code', 'source', 'indicator')),
    id VARCHAR NOT NULL,
    fingerprint VARCHAR                -- NULL: not comparable (a connector given by the caller), parsed every time
);
