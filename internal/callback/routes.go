package callback

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// MaxBody is the largest callback body accepted; WeCom's are a few KiB.
const MaxBody = 1 << 20

// Routes mounts the callback endpoints of design.md's external contract.
func Routes(r gin.IRouter, rc *Receiver, log *slog.Logger) {
	h := handlers{rc: rc, log: log}
	for _, path := range []string{"/callback/:suite_id/instruction", "/callback/:suite_id/data", "/callback/:suite_id/data/:corpid", "/callback/system"} {
		route := routeOf(path)
		r.GET(path, h.verify(route))
		r.POST(path, h.receive(route))
	}
}

func routeOf(path string) string {
	switch {
	case strings.HasSuffix(path, "/instruction"):
		return RouteInstruction
	case strings.Contains(path, "/data"):
		return RouteData
	}
	return RouteSystem
}

type handlers struct {
	rc  *Receiver
	log *slog.Logger
}

func params(c *gin.Context, route string) Params {
	return Params{
		Route:      route,
		SuiteID:    c.Param("suite_id"),
		PathCorpID: c.Param("corpid"),
		Signature:  c.Query("msg_signature"),
		Timestamp:  c.Query("timestamp"),
		Nonce:      c.Query("nonce"),
		// A '+' sent unencoded arrives as a space; base64 has no spaces, so undo it.
		EchoStr: strings.ReplaceAll(c.Query("echostr"), " ", "+"),
	}
}

func (h handlers) verify(route string) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		msg, err := h.rc.Verify(c.Request.Context(), params(c, route))
		h.finish(c, route, "url_verification", false, start, err)
		if err == nil {
			c.Data(http.StatusOK, "text/plain; charset=utf-8", msg)
		}
	}
}

func (h handlers) receive(route string) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		p := params(c, route)
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.finish(c, route, "", false, start, reject(http.StatusRequestEntityTooLarge, "body over 1 MiB"))
			return
		}
		if err != nil {
			h.finish(c, route, "", false, start, reject(http.StatusBadRequest, "unreadable body"))
			return
		}
		p.Body = body
		res, err := h.rc.Receive(c.Request.Context(), p)
		h.finish(c, route, res.Type, res.Duplicate, start, err)
		if err == nil {
			c.String(http.StatusOK, "success")
		}
	}
}

// finish renders a failure (one line, no detail of ours) and records the metrics.
func (h handlers) finish(c *gin.Context, route, typ string, duplicate bool, start time.Time, err error) {
	defer func() { duration.WithLabelValues(route).Observe(time.Since(start).Seconds()) }()
	var rej *Rejection
	switch {
	case err == nil && duplicate:
		received.WithLabelValues(route, typ, "duplicate").Inc()
	case err == nil:
		received.WithLabelValues(route, typ, "ok").Inc()
	case errors.As(err, &rej):
		received.WithLabelValues(route, typ, "rejected").Inc()
		c.String(rej.Status, rej.Reason+"\n")
	default:
		received.WithLabelValues(route, typ, "error").Inc()
		h.log.ErrorContext(c.Request.Context(), "callback not stored; WeCom will retry", "route", route, "suite_id", c.Param("suite_id"), "err", err)
		c.String(http.StatusServiceUnavailable, "temporarily unavailable\n")
	}
}
