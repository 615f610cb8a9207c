// Package app holds the tenant-user landing page (/app/), embedded into the api binary and
// served by internal/oauth. It is separate from the provider console's files in web/.
package app

import "embed"

// FS holds index.html (an html/template), app.js and app.css.
//
//go:embed index.html app.js app.css
var FS embed.FS
