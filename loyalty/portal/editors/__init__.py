"""The program editors: each edits one part of the configuration document (spec/program-config.md) with a form
in the owner's language, shows beside it what a purchase would earn under the draft, and saves through the one
configuration path (config_import), keeping a version (loyalty.portal.versions)."""
