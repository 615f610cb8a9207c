package wecomsim

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

type shortCorpInfo struct {
	CorpID   string `json:"corpid"`
	CorpName string `json:"corp_name"`
}

// authCorpInfo is auth_corp_info of protocol §3.8.
type authCorpInfo struct {
	CorpID            string `json:"corpid"`
	CorpName          string `json:"corp_name"`
	CorpType          string `json:"corp_type"`
	CorpSquareLogoURL string `json:"corp_square_logo_url"`
	CorpUserMax       int    `json:"corp_user_max"`
	CorpFullName      string `json:"corp_full_name"`
	VerifiedEndTime   int64  `json:"verified_end_time"`
	SubjectType       int    `json:"subject_type"`
	CorpWxQRCode      string `json:"corp_wxqrcode,omitempty"`
	CorpScale         string `json:"corp_scale"`
	CorpIndustry      string `json:"corp_industry"`
	CorpSubIndustry   string `json:"corp_sub_industry"`
}

type privilege struct {
	Level      int      `json:"level"`
	AllowParty []int    `json:"allow_party"`
	AllowUser  []string `json:"allow_user"`
	AllowTag   []int    `json:"allow_tag"`
	ExtraParty []int    `json:"extra_party"`
	ExtraUser  []string `json:"extra_user"`
	ExtraTag   []int    `json:"extra_tag"`
}

type agentInfo struct {
	AgentID          int       `json:"agentid"`
	Name             string    `json:"name"`
	RoundLogoURL     string    `json:"round_logo_url"`
	SquareLogoURL    string    `json:"square_logo_url"`
	AppID            int       `json:"appid"`
	AuthMode         int       `json:"auth_mode"`
	IsCustomizedApp  bool      `json:"is_customized_app"`
	AuthFromThirdApp bool      `json:"auth_from_thirdapp"`
	Privilege        privilege `json:"privilege"`
}

type authInfo struct {
	Agent []agentInfo `json:"agent"`
}

type editionAgent struct {
	AgentID               int    `json:"agentid"`
	EditionID             string `json:"edition_id"`
	EditionName           string `json:"edition_name"`
	AppStatus             int    `json:"app_status"`
	UserLimit             int    `json:"user_limit"`
	ExpiredTime           int64  `json:"expired_time"`
	IsVirtualVersion      bool   `json:"is_virtual_version"`
	IsSharedFromOtherCorp bool   `json:"is_shared_from_other_corp"`
}

type editionInfo struct {
	Agent []editionAgent `json:"agent"`
}

const logoURL = "https://wework.qpic.cn/bizmail/simulated/0"

func (s *Sim) corpInfo(c store.Corp, withQRCode bool) authCorpInfo {
	info := authCorpInfo{
		CorpID: c.CorpID, CorpName: c.Name, CorpType: "verified", CorpSquareLogoURL: logoURL,
		CorpUserMax: 200, CorpFullName: c.Name, VerifiedEndTime: c.CreatedAt.AddDate(1, 0, 0).Unix(),
		SubjectType: 1, CorpScale: "1-50人", CorpIndustry: "IT服务", CorpSubIndustry: "计算机软件/硬件/信息服务",
	}
	if withQRCode {
		info.CorpWxQRCode = "https://wework.qpic.cn/wwpic/simulated/" + c.CorpID
	}
	return info
}

func (s *Sim) authInfo(in store.Install) authInfo {
	name := "Demo App"
	if st, ok := s.suite(in.SuiteID); ok {
		name = st.cfg.Name
	}
	nonNil := func(v []int) []int {
		if v == nil {
			return []int{}
		}
		return slices.Clone(v)
	}
	users := slices.Clone(in.AllowUser)
	if users == nil {
		users = []string{}
	}
	return authInfo{Agent: []agentInfo{{
		AgentID: in.AgentID, Name: name, RoundLogoURL: logoURL, SquareLogoURL: logoURL, AppID: 1,
		Privilege: privilege{
			Level: 1, AllowParty: nonNil(in.AllowParty), AllowUser: users, AllowTag: nonNil(in.AllowTag),
			ExtraParty: []int{}, ExtraUser: []string{}, ExtraTag: []int{},
		},
	}}}
}

// editionInfo describes every install as an unlimited trial (app_status 5), so
// clients that read edition_info find a plausible paid-app answer.
func (s *Sim) editionInfo(in store.Install) editionInfo {
	return editionInfo{Agent: []editionAgent{{
		AgentID: in.AgentID, EditionID: "sim-edition-trial", EditionName: "试用版", AppStatus: 5,
		UserLimit: 200, ExpiredTime: in.InstalledAt.AddDate(1, 0, 0).Unix(),
	}}}
}

var qrState = regexp.MustCompile(`^[a-zA-Z0-9]{0,32}$`)

// getAppQRCode is POST /cgi-bin/service/get_app_qrcode (protocol §3.11). The QR code
// points at the simulator's /3rdapp/qrinstall page, which installs like a scan does
// (create_auth pushed, state echoed by get_permanent_code).
func (s *Sim) getAppQRCode(r *http.Request) (any, *apiErr) {
	t, e := s.suiteAuth(r)
	if e != nil {
		return nil, e
	}
	var req struct {
		SuiteID    string `json:"suite_id"`
		AppID      int    `json:"appid"`
		State      string `json:"state"`
		Style      int    `json:"style"`
		ResultType int    `json:"result_type"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	switch {
	case req.SuiteID == "":
		return nil, errf(41021, "suite_id missing")
	case req.SuiteID != t.SuiteID:
		return nil, errf(48003, "invalid suite_id")
	case !qrState.MatchString(req.State):
		return nil, errf(40058, "invalid state")
	}
	link := s.baseURL(r) + "/3rdapp/qrinstall?" + url.Values{"suite_id": {req.SuiteID}, "state": {req.State}}.Encode()
	if req.ResultType == 2 {
		return struct {
			okBody
			QRCode string `json:"qrcode"`
		}{success, link}, nil
	}
	h := http.Header{}
	h.Set("Content-Disposition", `attachment; filename="qrcode.png"`)
	return rawBody{contentType: "image/png", header: h, data: qrPNG(link)}, nil
}

// qrPNG draws a QR-looking (not scannable) 29x29-module image seeded by the link, so
// different links give different pictures.
func qrPNG(link string) []byte {
	const modules, scale = 29, 4
	sum := sha256.Sum256([]byte(link))
	img := image.NewGray(image.Rect(0, 0, modules*scale, modules*scale))
	for y := range modules {
		for x := range modules {
			bit := sum[(y*modules+x)/8%len(sum)]>>(uint(x+y)%8)&1 == 1
			c := color.Gray{Y: 255}
			if bit {
				c = color.Gray{Y: 0}
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray(x*scale+dx, y*scale+dy, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func (s *Sim) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
