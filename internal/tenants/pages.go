package tenants

import (
	"bytes"
	"html/template"

	"github.com/gin-gonic/gin"
)

// page is what the installing admin sees; it never carries codes or tokens.
type page struct {
	Title   string
	Message string
	Success bool
	Corp    string
	App     string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#07c160}.err{color:#d93025}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}</style>
</head><body>
<h1 class="{{if .Success}}ok{{else}}err{{end}}">{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Success}}<dl>{{if .Corp}}<dt>Organisation</dt><dd>{{.Corp}}</dd>{{end}}{{if .App}}<dt>App</dt><dd>{{.App}}</dd>{{end}}</dl>{{end}}
</body></html>
`))

func renderPage(c *gin.Context, status int, p page) {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		c.String(status, p.Title+"\n"+p.Message+"\n")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
