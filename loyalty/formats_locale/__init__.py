"""Django's own formats per language, plus what Django leaves out: Vietnamese and Persian group thousands
(12.345 / 12,345) like everyone else, so intcomma and number_format group them too (FORMAT_MODULE_PATH)."""
