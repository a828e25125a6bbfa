"""The guided harvest source form of the `ocds` and `procurement_csv` types.

- :mod:`.fields` - the form's fields and the JSON config, both ways (the server builds the config
  from the fields, so the form works without JavaScript)
- :mod:`.ocds_fields` - the OCDS fields a column can go to, with their descriptions, from the release schema
- :mod:`.suggest` - the OCDS field suggested for a column of a CSV or XLSX export
- :mod:`.preview` - the first page of a source, read as a harvest would, nothing saved
- :mod:`.views` - the Preview endpoint
"""
