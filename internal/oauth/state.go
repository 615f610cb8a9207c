package oauth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The state cookie binds a sign-in to the browser that started it (CSRF): the random state
// sent to WeCom is also in an HMAC-signed, HttpOnly cookie, and the callback accepts the
// code only when the two agree. The cookie also carries where to go afterwards, so the
// redirect is checked once, at the start, and cannot be swapped on the way back.
const (
	stateCookie = "wecom_oauth"
	stateTTL    = 10 * time.Minute
	cookiePath  = "/oauth/"
)

// Flow kinds: which WeCom page the state was issued for, so a code of one flow is not
// accepted by another's callback.
const (
	flowOAuth    = "oauth"    // in-client OAuth (getuserinfo3rd)
	flowSSO      = "sso"      // wwlogin web login (getuserinfo3rd)
	flowProvider = "provider" // legacy 3rd_qrConnect (get_login_info)
)

// flowState is the signed cookie's content. It holds no secret.
type flowState struct {
	State    string `json:"s"`
	Flow     string `json:"f"`
	SuiteID  string `json:"su,omitempty"`
	Scope    string `json:"sc,omitempty"`
	Redirect string `json:"r,omitempty"`
	Expires  int64  `json:"e"`
}

type stateSigner struct{ key []byte }

// newStateSigner derives the HMAC key from MASTER_KEY with HKDF, so the master key itself
// never signs anything a browser holds.
func newStateSigner(masterKey string) (*stateSigner, error) {
	root, err := base64.StdEncoding.DecodeString(masterKey)
	if err != nil || len(root) < 32 {
		return nil, errors.New("oauth: MASTER_KEY must be base64 of 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, root, nil, "wecomisv/oauth-state/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("oauth: derive state key: %w", err)
	}
	return &stateSigner{key: key}, nil
}

// newState returns a random state of 32 letters and digits (WeCom allows [a-zA-Z0-9] up to
// 128 bytes).
func newState() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (s *stateSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s *stateSigner) encode(st flowState) string {
	raw, _ := json.Marshal(st)
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// decode checks the cookie's signature and expiry, that it was issued for this state, and
// that its flow is one of flows.
func (s *stateSigner) decode(cookie, state string, now time.Time, flows ...string) (flowState, error) {
	payload, sig, ok := strings.Cut(cookie, ".")
	if !ok {
		return flowState{}, ErrBadState
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return flowState{}, ErrBadState
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return flowState{}, ErrBadState
	}
	var st flowState
	if json.Unmarshal(raw, &st) != nil || now.Unix() > st.Expires || !slices.Contains(flows, st.Flow) ||
		state == "" || subtle.ConstantTimeCompare([]byte(st.State), []byte(state)) != 1 {
		return flowState{}, ErrBadState
	}
	return st, nil
}

func (s *Service) setStateCookie(w http.ResponseWriter, st flowState) {
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: s.state.encode(st), Path: cookiePath,
		MaxAge: int(stateTTL.Seconds()), HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// clearStateCookie ends the sign-in: a state is good for one callback only.
func (s *Service) clearStateCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}
