// Package web holds the provider console's templates, static assets and OpenAPI document,
// embedded into the api binary. internal/console renders them; nothing here is built.
package web

import "embed"

// FS holds templates/*.html, static/* and openapi.json.
//
//go:embed templates/*.html static/* openapi.json
var FS embed.FS
