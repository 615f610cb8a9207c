package wecomsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// apiErr is a WeCom error answer. Its message never contains the offending value:
// WeCom's errmsg names the parameter, not the token.
type apiErr struct {
	Code     int
	Msg      string
	jsonWarn bool
}

func errf(code int, format string, a ...any) *apiErr {
	return &apiErr{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// okBody leads every success answer; embedding it puts errcode and errmsg first.
type okBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

var success = okBody{ErrCode: 0, ErrMsg: "ok"}

// rawBody is a non-JSON success answer (get_app_qrcode's PNG).
type rawBody struct {
	contentType string
	header      http.Header
	data        []byte
}

// apiFunc handles one WeCom API call and returns the answer or a WeCom error.
type apiFunc func(r *http.Request) (any, *apiErr)

func (s *Sim) serveAPI(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, e := f(r)
		if e != nil {
			s.writeAPIError(w, r, e)
			return
		}
		if raw, ok := v.(rawBody); ok {
			for k, vs := range raw.header {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Type", raw.contentType)
			_, _ = w.Write(raw.data)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// writeAPIError answers HTTP 200 with WeCom's errmsg shape (protocol §1):
// "<what>, hint: [<ts>_<n>_<hex>], from ip: <ip>, more info at ...?e=<code>".
func (s *Sim) writeAPIError(w http.ResponseWriter, r *http.Request, e *apiErr) {
	msg := fmt.Sprintf("%s, hint: [%d_%s_%s], from ip: %s, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		e.Msg, s.Now().Unix(), store.RandDigits(2), store.RandHex(32), clientIP(r), e.Code)
	if e.jsonWarn {
		msg += ", Warning: wrong json format."
	}
	s.log.Info("wecomsim api error", "path", r.URL.Path, "errcode", e.Code)
	writeJSON(w, http.StatusOK, okBody{ErrCode: e.Code, ErrMsg: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

const maxBody = 1 << 20

// readBody returns the request body and puts it back, so the call counter and the
// handler can both read it.
func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// decodeBody parses a JSON body into v. An empty body decodes to nothing, so the
// handler reports the first missing parameter the way WeCom does.
func decodeBody(r *http.Request, v any) *apiErr {
	b := bytes.TrimSpace(readBody(r))
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &apiErr{Code: 47001, Msg: "data format error", jsonWarn: true}
	}
	return nil
}

// errText is the errmsg used for injected faults, after WeCom's own wording.
func errText(code int) string {
	switch code {
	case -1:
		return "system busy"
	case 40001:
		return "invalid credential"
	case 40014:
		return "invalid access_token"
	case 40082:
		return "invalid suite_access_token"
	case 42001:
		return "access_token expired"
	case 42009:
		return "suite_access_token expired"
	case 45009:
		return "api freq out of limit"
	case 45033:
		return "api concurrent out of limit"
	case 48004:
		return "auth relation invalid"
	case 60020:
		return "not allow to access from your ip"
	}
	return "injected error"
}
