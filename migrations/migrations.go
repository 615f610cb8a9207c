// Package migrations embeds the versioned SQL migrations (goose format: one file per
// version with Up and Down sections) so the binaries and the tests apply the same files.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
