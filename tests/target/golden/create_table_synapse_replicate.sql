CREATE TABLE [dbo].[tags] (
    [id] bigint NOT NULL,
    [tenant] nvarchar(40) NOT NULL,
    [na]]me] nvarchar(4000) NULL
)
WITH (DISTRIBUTION = REPLICATE, CLUSTERED COLUMNSTORE INDEX)
