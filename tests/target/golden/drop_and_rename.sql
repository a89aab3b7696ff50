IF OBJECT_ID(N'[dbo].[contacts__stg_01234567]', N'U') IS NOT NULL DROP TABLE [dbo].[contacts__stg_01234567]
GO
DROP TABLE [dbo].[x]
GO
RENAME OBJECT [dbo].[contacts__rebuild] TO [contacts]
