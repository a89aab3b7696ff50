CREATE SCHEMA [intercom]
