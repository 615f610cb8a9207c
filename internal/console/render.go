package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/web"
)

// pageData is what every template receives.
type pageData struct {
	Title   string
	Nav     string
	Session *Session
	Done    string
	Data    any
}

func (p pageData) Can(role string) bool {
	return p.Session != nil && p.Session.Staff.Role.Allows(Role(role))
}

var funcs = template.FuncMap{
	"time": func(t any) string {
		switch t := t.(type) {
		case time.Time:
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05")
		case *time.Time:
			if t == nil || t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05")
		}
		return fmt.Sprint(t)
	},
	"unix": func(s int64) string {
		if s == 0 {
			return "—"
		}
		return time.Unix(s, 0).UTC().Format("2006-01-02")
	},
	"age":  func(secs int64) string { return (time.Duration(secs) * time.Second).String() },
	"join": strings.Join,
	"json": func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
	"keys":       sortedKeys,
	"pathEscape": url.PathEscape,
	// query builds a query string from name/value pairs, leaving out empty values.
	"query": func(kv ...any) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if v := fmt.Sprint(kv[i+1]); v != "" && v != "0" {
				q.Set(fmt.Sprint(kv[i]), v)
			}
		}
		return template.URL(q.Encode())
	},
}

// loadTemplates parses each page together with the layout.
func loadTemplates() (map[string]*template.Template, error) {
	pages, err := fs.Glob(web.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(web.FS, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// statusOf maps an error to the HTTP status the console answers.
func statusOf(err error) int {
	var th *ErrThrottled
	switch {
	case errors.As(err, &th):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden), errors.Is(err, errCSRF):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrStaffExists):
		return http.StatusConflict
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrActionFailed):
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// publicMessage is what the client may read of an error: ours in full for 4xx and failed
// actions (masked), a generic line for internal failures (which are logged instead).
func publicMessage(status int, err error) string {
	if status == http.StatusInternalServerError {
		return "internal error; see the api log"
	}
	return MaskText(err.Error())
}

func (h *handlers) fail(c *gin.Context, err error) (int, string) {
	status := statusOf(err)
	if status >= 500 {
		h.log.ErrorContext(c.Request.Context(), "console request failed", "path", c.FullPath(),
			"status", status, "err", MaskText(err.Error()))
	}
	return status, publicMessage(status, err)
}

func (h *handlers) render(c *gin.Context, status int, name string, p pageData) {
	if s, ok := c.Get(ctxSession); ok {
		sess := s.(Session)
		p.Session = &sess
	}
	p.Done = c.Query("done")
	t, ok := h.tmpl[name]
	if !ok {
		c.String(http.StatusInternalServerError, "no template "+name)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := t.ExecuteTemplate(c.Writer, "layout", p); err != nil {
		h.log.ErrorContext(c.Request.Context(), "render console page", "page", name, "err", err)
	}
}

// page adapts a page handler that returns an error.
func (h *handlers) page(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			status, msg := h.fail(c, err)
			h.render(c, status, "error", pageData{Title: http.StatusText(status), Data: msg})
		}
	}
}

// api adapts a JSON handler: it renders its value or the error as {"error": "..."}.
func (h *handlers) api(fn func(*gin.Context) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := fn(c)
		if err != nil {
			status, msg := h.fail(c, err)
			c.JSON(status, gin.H{"error": msg})
			return
		}
		if v == nil {
			v = gin.H{"ok": true}
		}
		c.JSON(http.StatusOK, v)
	}
}
