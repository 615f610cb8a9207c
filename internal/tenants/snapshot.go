package tenants

import (
	"reflect"

	"github.com/wecomisv/platform/internal/wecom"
)

// authSnapshot is what WeCom says about an authorisation (get_auth_info, or v1
// get_permanent_code): the part of a tenant that change_auth may change.
type authSnapshot struct {
	Corp       Corp      `json:"corp"`
	Agent      Agent     `json:"agent"`
	Edition    []Edition `json:"edition,omitempty"`
	HasEdition bool      `json:"has_edition"`
	Dealer     Dealer    `json:"dealer"`
}

// exchangeResult is the outcome of exchanging an auth code. It is sealed into the claim
// row the moment WeCom answers, since the code cannot be exchanged again.
type exchangeResult struct {
	CorpID        string        `json:"corp_id"`
	CorpName      string        `json:"corp_name"`
	PermanentCode string        `json:"permanent_code"`
	AuthUser      AuthUser      `json:"auth_user"`
	State         string        `json:"state"`
	Auth          *authSnapshot `json:"auth,omitempty"` // v1 answers carry the auth info too
}

func snapshotOf(c wecom.AuthCorpInfo, agents wecom.AuthAgents, ed wecom.EditionInfo, d wecom.DealerCorpInfo) authSnapshot {
	s := authSnapshot{
		Corp: Corp{Name: c.CorpName, FullName: c.CorpFullName, Type: c.CorpType, SubjectType: c.SubjectType,
			SquareLogoURL: c.CorpSquareLogoURL, UserMax: c.CorpUserMax, Industry: c.CorpIndustry,
			SubIndustry: c.CorpSubIndustry, Scale: c.CorpScale, VerifiedEndTime: c.VerifiedEndTime},
		Dealer: Dealer{CorpID: d.CorpID, Name: d.CorpName},
	}
	// Modern suites have exactly one app per corp; legacy multi-app suites are not supported.
	if len(agents.Agent) > 0 {
		a := agents.Agent[0]
		p := a.Privilege
		s.Agent = Agent{AgentID: a.AgentID, Name: a.Name, AuthMode: a.AuthMode, IsCustomizedApp: a.IsCustomizedApp,
			Privilege: Privilege{Level: p.Level, AllowParty: p.AllowParty, AllowUser: p.AllowUser, AllowTag: p.AllowTag,
				ExtraParty: p.ExtraParty, ExtraUser: p.ExtraUser, ExtraTag: p.ExtraTag},
			SharedFrom: SharedFrom{CorpID: a.SharedFrom.CorpID, ShareType: a.SharedFrom.ShareType}}
	}
	s.Agent.Privilege = normalizePrivilege(s.Agent.Privilege)
	if len(ed.Agent) > 0 {
		s.HasEdition = true
		for _, e := range ed.Agent {
			s.Edition = append(s.Edition, Edition{AgentID: e.AgentID, EditionID: e.EditionID, EditionName: e.EditionName,
				AppStatus: e.AppStatus, UserLimit: e.UserLimit, ExpiredTime: e.ExpiredTime,
				IsVirtualVersion: e.IsVirtualVersion, IsShared: e.IsSharedFromOtherCorp})
		}
	}
	return s
}

// normalizePrivilege makes absent and empty lists equal, so a diff shows real changes only.
func normalizePrivilege(p Privilege) Privilege {
	ints := func(v []int) []int {
		if v == nil {
			return []int{}
		}
		return v
	}
	strs := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	return Privilege{Level: p.Level, AllowParty: ints(p.AllowParty), AllowUser: strs(p.AllowUser), AllowTag: ints(p.AllowTag),
		ExtraParty: ints(p.ExtraParty), ExtraUser: strs(p.ExtraUser), ExtraTag: ints(p.ExtraTag)}
}

func snapshotOfTenant(t Tenant) authSnapshot {
	a := t.Agent
	a.Privilege = normalizePrivilege(a.Privilege)
	return authSnapshot{Corp: t.Corp, Agent: a, Edition: t.Edition, HasEdition: true, Dealer: t.Dealer}
}

// fields flattens a snapshot into named values for diffing; the names appear in history.
func (s authSnapshot) fields() map[string]any {
	p := s.Agent.Privilege
	m := map[string]any{
		"corp_name": s.Corp.Name, "corp_full_name": s.Corp.FullName, "corp_type": s.Corp.Type,
		"subject_type": s.Corp.SubjectType, "corp_square_logo_url": s.Corp.SquareLogoURL,
		"corp_user_max": s.Corp.UserMax, "corp_industry": s.Corp.Industry, "corp_sub_industry": s.Corp.SubIndustry,
		"corp_scale": s.Corp.Scale, "verified_end_time": s.Corp.VerifiedEndTime,
		"agentid": s.Agent.AgentID, "agent_name": s.Agent.Name, "auth_mode": s.Agent.AuthMode,
		"is_customized_app": s.Agent.IsCustomizedApp, "shared_from": s.Agent.SharedFrom,
		"privilege.level": p.Level, "privilege.allow_party": p.AllowParty, "privilege.allow_user": p.AllowUser,
		"privilege.allow_tag": p.AllowTag, "privilege.extra_party": p.ExtraParty,
		"privilege.extra_user": p.ExtraUser, "privilege.extra_tag": p.ExtraTag,
		"dealer": s.Dealer,
	}
	if s.HasEdition {
		m["edition"] = s.Edition
	}
	return m
}

// diff lists the fields that differ between old and new. A field new does not carry
// (edition info absent from the answer) is not a change.
func diff(old, new authSnapshot) map[string]Change {
	of, nf := old.fields(), new.fields()
	out := map[string]Change{}
	for k, nv := range nf {
		ov, ok := of[k]
		if !ok || !reflect.DeepEqual(ov, nv) {
			out[k] = Change{Old: ov, New: nv}
		}
	}
	return out
}
