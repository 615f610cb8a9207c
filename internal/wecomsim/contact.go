package wecomsim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// ContactChange carries the fields of a change_contact event (protocol §6.2). For
// update_user only the fields present are changed and pushed.
type ContactChange struct {
	UserID         string   `json:"userid,omitempty"`
	NewUserID      string   `json:"new_userid,omitempty"`
	Name           *string  `json:"name,omitempty"`
	Department     []int    `json:"department,omitempty"`
	MainDepartment *int     `json:"main_department,omitempty"`
	IsLeaderInDept []int    `json:"is_leader_in_dept,omitempty"`
	DirectLeader   []string `json:"direct_leader,omitempty"`
	Mobile         *string  `json:"mobile,omitempty"`
	Position       *string  `json:"position,omitempty"`
	Gender         *int     `json:"gender,omitempty"`
	Email          *string  `json:"email,omitempty"`
	BizMail        *string  `json:"biz_mail,omitempty"`
	Status         *int     `json:"status,omitempty"`
	Avatar         *string  `json:"avatar,omitempty"`
	Alias          *string  `json:"alias,omitempty"`
	Telephone      *string  `json:"telephone,omitempty"`

	// Department events.
	ID       int  `json:"id,omitempty"`
	ParentID *int `json:"parentid,omitempty"`
	Order    *int `json:"order,omitempty"`

	// update_tag.
	TagID         int    `json:"tag_id,omitempty"`
	AddUserItems  string `json:"add_user_items,omitempty"`
	DelUserItems  string `json:"del_user_items,omitempty"`
	AddPartyItems string `json:"add_party_items,omitempty"`
	DelPartyItems string `json:"del_party_items,omitempty"`
}

func (c ContactChange) apply(u *store.User) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Name, c.Name)
	set(&u.Mobile, c.Mobile)
	set(&u.Position, c.Position)
	set(&u.Email, c.Email)
	set(&u.BizMail, c.BizMail)
	set(&u.Avatar, c.Avatar)
	set(&u.Alias, c.Alias)
	set(&u.Telephone, c.Telephone)
	if c.Department != nil {
		u.Department = slices.Clone(c.Department)
		if c.MainDepartment == nil {
			u.MainDepartment = 0
		}
	}
	if c.MainDepartment != nil {
		u.MainDepartment = *c.MainDepartment
	}
	if c.IsLeaderInDept != nil {
		u.IsLeaderInDept = slices.Clone(c.IsLeaderInDept)
	}
	if c.DirectLeader != nil {
		u.DirectLeader = slices.Clone(c.DirectLeader)
	}
	if c.Gender != nil {
		u.Gender = *c.Gender
	}
	if c.Status != nil {
		u.Status = *c.Status
	}
	if c.NewUserID != "" {
		u.UserID = c.NewUserID
	}
}

// applyContact changes the corp's address book once and returns the event body per
// suite (only SuiteId differs between suites).
func (s *Sim) applyContact(corpID, changeType string, c ContactChange) (func(suiteID string) []byte, error) {
	var body func(m *xmlMsg)
	switch changeType {
	case "create_user", "update_user", "delete_user":
		if c.UserID == "" {
			return nil, fmt.Errorf("userid is required: %w", ErrBadRequest)
		}
		b, err := s.applyUser(corpID, changeType, c)
		if err != nil {
			return nil, mapStoreErr(err)
		}
		body = b
	case "create_party":
		d := store.Department{ID: c.ID, Name: deref(c.Name)}
		if c.ParentID != nil {
			d.ParentID = *c.ParentID
		}
		if c.Order != nil {
			d.Order = *c.Order
		}
		d, err := s.store.CreateDepartment(corpID, d)
		if err != nil {
			return nil, mapStoreErr(err)
		}
		body = func(m *xmlMsg) {
			m.num("Id", int64(d.ID)).str("Name", d.Name).num("ParentId", int64(d.ParentID)).num("Order", int64(d.Order))
		}
	case "update_party":
		_, err := s.store.UpdateDepartment(corpID, c.ID, func(d *store.Department) {
			if c.Name != nil {
				d.Name = *c.Name
			}
			if c.ParentID != nil {
				d.ParentID = *c.ParentID
			}
		})
		if err != nil {
			return nil, mapStoreErr(err)
		}
		body = func(m *xmlMsg) {
			m.num("Id", int64(c.ID))
			if c.Name != nil {
				m.str("Name", *c.Name)
			}
			if c.ParentID != nil {
				m.num("ParentId", int64(*c.ParentID))
			}
		}
	case "delete_party":
		if err := s.store.DeleteDepartment(corpID, c.ID); err != nil {
			return nil, mapStoreErr(err)
		}
		body = func(m *xmlMsg) { m.num("Id", int64(c.ID)) }
	case "update_tag":
		body = func(m *xmlMsg) {
			m.num("TagId", int64(c.TagID)).strIf("AddUserItems", c.AddUserItems).strIf("DelUserItems", c.DelUserItems).
				strIf("AddPartyItems", c.AddPartyItems).strIf("DelPartyItems", c.DelPartyItems)
		}
	default:
		return nil, fmt.Errorf("unknown change_type %q: %w", changeType, ErrBadRequest)
	}
	ts := s.Now().Unix()
	return func(suiteID string) []byte {
		m := newXML().str("SuiteId", suiteID).str("AuthCorpId", corpID).str("InfoType", EventChangeContact).
			num("TimeStamp", ts).str("ChangeType", changeType)
		body(m)
		return m.bytes()
	}, nil
}

func (s *Sim) applyUser(corpID, changeType string, c ContactChange) (func(*xmlMsg), error) {
	switch changeType {
	case "create_user":
		u := store.User{UserID: c.UserID}
		c.NewUserID = ""
		c.apply(&u)
		u, err := s.store.CreateUser(corpID, u)
		if err != nil {
			return nil, err
		}
		return func(m *xmlMsg) { userFields(m, u, ContactChange{}, true) }, nil
	case "update_user":
		u, err := s.store.UpdateUser(corpID, c.UserID, c.apply)
		if err != nil {
			return nil, err
		}
		return func(m *xmlMsg) {
			m.str("UserID", c.UserID).str("OpenUserID", u.OpenUserID)
			if c.NewUserID != "" && c.NewUserID != c.UserID {
				m.str("NewUserID", c.NewUserID)
			}
			userFields(m, u, c, false)
		}, nil
	default:
		u, err := s.store.DeleteUser(corpID, c.UserID)
		if err != nil {
			return nil, err
		}
		return func(m *xmlMsg) { m.str("UserID", u.UserID).str("OpenUserID", u.OpenUserID) }, nil
	}
}

// userFields writes the member fields in the order of WeCom's sample. With all set
// (create_user) every field is written; otherwise only those present in c.
func userFields(m *xmlMsg, u store.User, c ContactChange, all bool) {
	if all {
		m.str("UserID", u.UserID).str("OpenUserID", u.OpenUserID)
	}
	if all || c.Name != nil {
		m.str("Name", u.Name)
	}
	if all || c.Department != nil {
		m.str("Department", joinInts(u.Department))
	}
	if all || c.Department != nil || c.MainDepartment != nil {
		m.num("MainDepartment", int64(u.MainDepartment))
	}
	if all || c.Department != nil || c.IsLeaderInDept != nil {
		m.str("IsLeaderInDept", joinInts(u.IsLeaderInDept))
	}
	if (all && len(u.DirectLeader) > 0) || c.DirectLeader != nil {
		m.str("DirectLeader", strings.Join(u.DirectLeader, ","))
	}
	opt := func(name, v string, changed *string) {
		if (all && v != "") || changed != nil {
			m.str(name, v)
		}
	}
	opt("Mobile", u.Mobile, c.Mobile)
	if all || c.Position != nil {
		m.str("Position", u.Position)
	}
	if all || c.Gender != nil {
		m.num("Gender", int64(u.Gender))
	}
	opt("Email", u.Email, c.Email)
	opt("BizMail", u.BizMail, c.BizMail)
	if all || c.Status != nil {
		m.num("Status", int64(u.Status))
	}
	opt("Avatar", u.Avatar, c.Avatar)
	opt("Alias", u.Alias, c.Alias)
	opt("Telephone", u.Telephone, c.Telephone)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
