-- The official postgres image creates POSTGRES_DB (trackeep, the API's database) on first start and then
-- runs this file once: the gateway gets a database of its own on the same server.
CREATE DATABASE trackeep_gateway OWNER trackeep;
