"""The OCDS API: release and record packages for crawlers (OCP's Data Registry,
Kingfisher Collect), paged by keyset, with an OpenAPI description.

`params` reads and checks the query string, `queries` asks the database,
`views` answers HTTP, `openapi` describes it all."""
