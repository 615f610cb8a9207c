package wecomsim

import (
	"html/template"
	"net/http"
)

// pageData feeds the one page template; each page sets the parts it shows.
type pageData struct {
	Title   string
	Intro   string
	Err     *pageErr
	Action  string
	Hidden  map[string]string
	Corps   []pageCorp
	NewCorp bool // the install page offers "create a new corp"
	Done    *InstallResult
}

type pageCorp struct {
	CorpID string
	Name   string
	Users  []pageUser
}

type pageUser struct {
	UserID string
	Name   string
	Admin  bool
}

// pageErr is the error screen WeCom shows in the browser, with the errcode a developer
// would look up (e.g. 50001 for an untrusted redirect domain).
type pageErr struct {
	Code int
	Msg  string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{.Title}} - WeCom simulator</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}button{margin:.2em}.err{color:#b00}</style>
</head><body>
<h1>{{.Title}}</h1>
{{with .Err}}<p class="err">errcode {{.Code}}: {{.Msg}}</p>{{end}}
{{with .Intro}}<p>{{.}}</p>{{end}}
{{with .Done}}<p>Corp <b>{{.CorpName}}</b> ({{.CorpID}}) installed suite {{.SuiteID}}; agentid {{.AgentID}}.
{{with .Delivery}}create_auth push: {{if .OK}}delivered{{else}}failed ({{.Error}}){{end}}.{{end}}</p>{{end}}
{{if .Action}}{{$hidden := .Hidden}}
{{if .NewCorp}}<form method="post" action="{{.Action}}">
{{range $k, $v := $hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
{{range .Corps}}<p><label><input type="radio" name="corpid" value="{{.CorpID}}"> {{.Name}} ({{.CorpID}})</label></p>{{end}}
<p><label><input type="radio" name="corpid" value="" checked> New corp: <input name="corp_name" placeholder="corp name"></label></p>
<p><button type="submit">Approve / 同意授权</button></p>
</form>
{{else}}{{range .Corps}}{{$corp := .}}<h2>{{.Name}} <small>{{.CorpID}}</small></h2>
{{range .Users}}<form method="post" action="{{$.Action}}" style="display:inline">
{{range $k, $v := $hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<input type="hidden" name="corpid" value="{{$corp.CorpID}}"><input type="hidden" name="userid" value="{{.UserID}}">
<button type="submit">{{.Name}} ({{.UserID}}){{if .Admin}} · admin{{end}}</button></form>
{{end}}{{else}}<p>No corp has installed this app yet.</p>{{end}}{{end}}
{{end}}
</body></html>
`))

func (s *Sim) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, d); err != nil {
		s.log.Error("wecomsim page", "err", err)
	}
}

func (s *Sim) errorPage(w http.ResponseWriter, title string, e pageErr) {
	s.renderPage(w, http.StatusBadRequest, pageData{Title: title, Err: &e})
}
