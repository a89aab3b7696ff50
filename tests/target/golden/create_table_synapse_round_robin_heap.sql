CREATE TABLE [intercom].[events]]x] (
    [id] bigint NOT NULL,
    [tenant] nvarchar(40) NOT NULL,
    [body] nvarchar(max) NULL
)
WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
