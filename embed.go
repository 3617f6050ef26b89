package main

import "embed"

// assets are the templates and static files, built into the binary so one
// file is the whole application.
//
//go:embed templates static
var assets embed.FS
