ALTER TABLE [dbo].[contacts] ADD [new col] nvarchar(20) NULL
GO
ALTER TABLE [dbo].[contacts] ALTER COLUMN [na]]me] nvarchar(max) NULL
