package wecom

import (
	"encoding/json"
	"fmt"
)

// The response types below mirror protocol §3 field for field, with omitempty or
// omitzero where WeCom leaves a field out, so the simulator can encode them too.

// PermanentCodeV1 is the answer of service/get_permanent_code.
type PermanentCodeV1 struct {
	AccessToken      string           `json:"access_token,omitempty"` // not returned for 代开发 installs
	ExpiresIn        int              `json:"expires_in,omitempty"`
	PermanentCode    string           `json:"permanent_code"`
	DealerCorpInfo   DealerCorpInfo   `json:"dealer_corp_info,omitzero"`
	AuthCorpInfo     AuthCorpInfo     `json:"auth_corp_info"`
	AuthInfo         AuthAgents       `json:"auth_info,omitzero"`
	AuthUserInfo     AuthUserInfo     `json:"auth_user_info,omitzero"`
	RegisterCodeInfo RegisterCodeInfo `json:"register_code_info,omitzero"`
	State            string           `json:"state,omitempty"`
	EditionInfo      EditionInfo      `json:"edition_info,omitzero"`
}

// PermanentCodeV2 is the answer of service/v2/get_permanent_code. Its
// auth_corp_info carries only corpid and corp_name.
type PermanentCodeV2 struct {
	PermanentCode    string           `json:"permanent_code"`
	AuthCorpInfo     AuthCorpInfo     `json:"auth_corp_info"`
	AuthUserInfo     AuthUserInfo     `json:"auth_user_info,omitzero"`
	RegisterCodeInfo RegisterCodeInfo `json:"register_code_info,omitzero"`
	State            string           `json:"state,omitempty"`
}

// AuthInfo is the answer of service/get_auth_info and service/v2/get_auth_info.
type AuthInfo struct {
	DealerCorpInfo DealerCorpInfo `json:"dealer_corp_info,omitzero"`
	AuthCorpInfo   AuthCorpInfo   `json:"auth_corp_info"`
	AuthInfo       AuthAgents     `json:"auth_info,omitzero"` // absent for contact-only apps
	EditionInfo    EditionInfo    `json:"edition_info,omitzero"`
}

// DealerCorpInfo names the reseller (代理服务商) an app was sold through.
type DealerCorpInfo struct {
	CorpID   string `json:"corpid"`
	CorpName string `json:"corp_name"`
}

// AuthCorpInfo describes the authorising corp.
type AuthCorpInfo struct {
	CorpID            string     `json:"corpid"`
	CorpName          string     `json:"corp_name"`
	CorpType          string     `json:"corp_type,omitempty"` // verified | unverified
	CorpSquareLogoURL string     `json:"corp_square_logo_url,omitempty"`
	CorpRoundLogoURL  string     `json:"corp_round_logo_url,omitempty"`
	CorpUserMax       int        `json:"corp_user_max,omitempty"`
	CorpAgentMax      int        `json:"corp_agent_max,omitempty"`
	CorpFullName      string     `json:"corp_full_name,omitempty"`
	VerifiedEndTime   int64      `json:"verified_end_time,omitempty"`
	SubjectType       int        `json:"subject_type,omitempty"`  // 1 企业, 2 政府/事业单位, 3 其他组织, 4 团队号
	CorpWxQRCode      string     `json:"corp_wxqrcode,omitempty"` // v1 only
	CorpScale         string     `json:"corp_scale,omitempty"`
	CorpIndustry      string     `json:"corp_industry,omitempty"`
	CorpSubIndustry   string     `json:"corp_sub_industry,omitempty"`
	CorpExName        CorpExName `json:"corp_ex_name,omitzero"`
	Location          string     `json:"location,omitempty"`
}

// CorpExName lists a verified corp's other short names.
type CorpExName struct {
	NameList NameList `json:"name_list,omitempty"`
}

// NameList decodes a JSON array of strings, or a bare string, which is what
// the official doc sample shows for corp_ex_name.name_list.
type NameList []string

// UnmarshalJSON accepts an array of strings or a single string.
func (n *NameList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*n = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return fmt.Errorf("name_list: want string or array of strings: %w", err)
	}
	*n = nil
	if one != "" {
		*n = NameList{one}
	}
	return nil
}

// AuthAgents is the auth_info object: the apps authorised in the corp. Modern
// single-app suites always have exactly one.
type AuthAgents struct {
	Agent []AuthAgent `json:"agent"`
}

// AuthAgent is one authorised app inside the corp.
type AuthAgent struct {
	AgentID          int        `json:"agentid"`
	Name             string     `json:"name,omitempty"`
	RoundLogoURL     string     `json:"round_logo_url,omitempty"`
	SquareLogoURL    string     `json:"square_logo_url,omitempty"`
	AppID            int        `json:"appid,omitempty"`     // legacy multi-app suites
	AuthMode         int        `json:"auth_mode,omitempty"` // 0 admin auth, 1 member auth
	IsCustomizedApp  bool       `json:"is_customized_app,omitempty"`
	AuthFromThirdApp bool       `json:"auth_from_thirdapp,omitempty"`
	Privilege        Privilege  `json:"privilege,omitzero"`
	SharedFrom       SharedFrom `json:"shared_from,omitzero"`
}

// Privilege is an app's contact permission level and visible range.
type Privilege struct {
	Level      int      `json:"level"` // 1 basic read, 3 read/write, 4 single basic read, 0 代开发
	AllowParty []int    `json:"allow_party,omitempty"`
	AllowUser  []string `json:"allow_user,omitempty"`
	AllowTag   []int    `json:"allow_tag,omitempty"`
	ExtraParty []int    `json:"extra_party,omitempty"`
	ExtraUser  []string `json:"extra_user,omitempty"`
	ExtraTag   []int    `json:"extra_tag,omitempty"`
}

// SharedFrom is set when the install came from a parent corp sharing the app.
type SharedFrom struct {
	CorpID    string `json:"corpid"`
	ShareType int    `json:"share_type"` // 0 企业互联, 1 上下游
}

// AuthUserInfo is the admin who installed the app; it may be empty.
type AuthUserInfo struct {
	UserID     string `json:"userid,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
	Name       string `json:"name,omitempty"`
	Avatar     string `json:"avatar,omitempty"`
}

// RegisterCodeInfo is set for installs through a promotion QR code (推广二维码).
type RegisterCodeInfo struct {
	RegisterCode string `json:"register_code,omitempty"`
	TemplateID   string `json:"template_id,omitempty"`
	State        string `json:"state,omitempty"`
}

// EditionInfo is the paid edition of each app (收银台 apps only).
type EditionInfo struct {
	Agent []EditionAgent `json:"agent"`
}

// EditionAgent is the paid edition of one app.
type EditionAgent struct {
	AgentID     int    `json:"agentid"`
	EditionID   string `json:"edition_id"`
	EditionName string `json:"edition_name"`
	// AppStatus: 0 unpaid, 1 trial, 2 trial expired, 3 paid, 4 paid expired,
	// 5 unlimited trial, 6 over user limit (<7 days), 7 over limit (>=7 days).
	AppStatus             int   `json:"app_status"`
	UserLimit             int   `json:"user_limit"`
	ExpiredTime           int64 `json:"expired_time"`
	IsVirtualVersion      bool  `json:"is_virtual_version"`
	IsSharedFromOtherCorp bool  `json:"is_shared_from_other_corp"`
}

// Admin is one admin of the app in a corp.
type Admin struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid,omitempty"` // legacy API only
	AuthType   int    `json:"auth_type"`             // 0 use/message, 1 manage
}
