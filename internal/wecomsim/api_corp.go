package wecomsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// jsapiTicket serves GET /cgi-bin/get_jsapi_ticket and GET /cgi-bin/ticket/get
// (protocol §3.16). The corp ticket and the agent_config ticket are separate
// credentials with separate values.
func (s *Sim) jsapiTicket(agent bool) apiFunc {
	return func(r *http.Request) (any, *apiErr) {
		c, e := s.corpAuth(r)
		if e != nil {
			return nil, e
		}
		kind := store.KindJSAPITicket
		if agent {
			if r.URL.Query().Get("type") != "agent_config" {
				return nil, errf(40058, "invalid type")
			}
			kind = store.KindAgentTicket
		}
		t := s.store.IssueToken(kind, c.install.SuiteID, c.corp.CorpID, s.Now(), s.cfg.tokenTTL())
		return struct {
			okBody
			Ticket    string `json:"ticket"`
			ExpiresIn int64  `json:"expires_in"`
		}{success, t.Value, s.expiresIn(t)}, nil
	}
}

// agentAdminList is POST /cgi-bin/agent/get_admin_list (protocol §3.10).
func (s *Sim) agentAdminList(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	var req struct {
		AgentID int `json:"agentid"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.AgentID != 0 && req.AgentID != c.install.AgentID {
		return nil, errf(301002, "no privilege to access the agent")
	}
	type admin struct {
		UserID   string `json:"userid"`
		AuthType int    `json:"auth_type"`
	}
	out := []admin{}
	for _, a := range c.install.Admins {
		out = append(out, admin{a.UserID, a.AuthType})
	}
	return struct {
		okBody
		Admin []admin `json:"admin"`
	}{success, out}, nil
}

// userIDToOpenUserID is POST /cgi-bin/batch/userid_to_openuserid (protocol §3.13).
func (s *Sim) userIDToOpenUserID(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	var req struct {
		UserIDList []string `json:"userid_list"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if len(req.UserIDList) == 0 || len(req.UserIDList) > 1000 {
		return nil, errf(40058, "invalid userid_list")
	}
	type pair struct {
		UserID     string `json:"userid"`
		OpenUserID string `json:"open_userid"`
	}
	resp := struct {
		okBody
		OpenUserIDList    []pair   `json:"open_userid_list"`
		InvalidUserIDList []string `json:"invalid_userid_list"`
	}{success, []pair{}, []string{}}
	for _, id := range req.UserIDList {
		if u, ok := c.corp.User(id); ok && c.install.Visible(c.corp, u) {
			resp.OpenUserIDList = append(resp.OpenUserIDList, pair{u.UserID, u.OpenUserID})
		} else {
			resp.InvalidUserIDList = append(resp.InvalidUserIDList, id)
		}
	}
	return resp, nil
}

type userView struct {
	UserID         string `json:"userid"`
	Name           string `json:"name"`
	Department     []int  `json:"department"`
	MainDepartment int    `json:"main_department"`
	Position       string `json:"position"`
	Gender         string `json:"gender"`
	Avatar         string `json:"avatar"`
	Alias          string `json:"alias"`
	Status         int    `json:"status"`
	OpenUserID     string `json:"open_userid"`
}

// getUser is GET /cgi-bin/user/get. Third-party apps get no mobile or email, and
// gender "0" (protocol §3.15, §6.2).
func (s *Sim) getUser(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	id := r.URL.Query().Get("userid")
	if id == "" {
		return nil, errf(40003, "invalid userid")
	}
	u, ok := c.corp.User(id)
	switch {
	case !ok:
		return nil, errf(60111, "userid not found")
	case !c.install.Visible(c.corp, u):
		return nil, errf(60011, "no privilege to access/modify contact/party/agent")
	}
	return struct {
		okBody
		userView
	}{success, userView{u.UserID, u.Name, u.Department, u.MainDepartment, u.Position, "0", u.Avatar, u.Alias, u.Status, u.OpenUserID}}, nil
}

// simpleList is GET /cgi-bin/user/simplelist?department_id=&fetch_child=.
func (s *Sim) simpleList(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	dept, err := strconv.Atoi(r.URL.Query().Get("department_id"))
	if err != nil {
		return nil, errf(40058, "invalid department_id")
	}
	if !slices.ContainsFunc(c.corp.Departments, func(d store.Department) bool { return d.ID == dept }) {
		return nil, errf(60003, "department not found")
	}
	if !c.install.DepartmentVisible(c.corp, dept) {
		return nil, errf(60011, "no privilege to access/modify contact/party/agent")
	}
	child := r.URL.Query().Get("fetch_child") == "1"
	type entry struct {
		UserID     string `json:"userid"`
		Name       string `json:"name"`
		Department []int  `json:"department"`
		OpenUserID string `json:"open_userid"`
	}
	out := []entry{}
	for _, u := range c.corp.Users {
		in := slices.ContainsFunc(u.Department, func(d int) bool {
			return d == dept || (child && c.corp.InDepartment(d, dept))
		})
		if in {
			out = append(out, entry{u.UserID, u.Name, u.Department, u.OpenUserID})
		}
	}
	return struct {
		okBody
		UserList []entry `json:"userlist"`
	}{success, out}, nil
}

// departmentList is GET /cgi-bin/department/list?id= (the subtree, or the visible range).
func (s *Sim) departmentList(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	root := 0
	if v := r.URL.Query().Get("id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			return nil, errf(40058, "invalid id")
		}
		if !slices.ContainsFunc(c.corp.Departments, func(d store.Department) bool { return d.ID == id }) {
			return nil, errf(60003, "department not found")
		}
		if !c.install.DepartmentVisible(c.corp, id) {
			return nil, errf(60011, "no privilege to access/modify contact/party/agent")
		}
		root = id
	}
	type dept struct {
		ID               int      `json:"id"`
		Name             string   `json:"name"`
		ParentID         int      `json:"parentid"`
		Order            int      `json:"order"`
		DepartmentLeader []string `json:"department_leader"`
	}
	out := []dept{}
	for _, d := range c.corp.Departments {
		if (root == 0 && c.install.DepartmentVisible(c.corp, d.ID)) || (root != 0 && c.corp.InDepartment(d.ID, root)) {
			out = append(out, dept{d.ID, d.Name, d.ParentID, d.Order, []string{}})
		}
	}
	return struct {
		okBody
		Department []dept `json:"department"`
	}{success, out}, nil
}

// sendMessage is POST /cgi-bin/message/send. The message is kept in the corp's state
// so tests can read what an app sent.
func (s *Sim) sendMessage(r *http.Request) (any, *apiErr) {
	c, e := s.corpAuth(r)
	if e != nil {
		return nil, e
	}
	body := readBody(r)
	var req struct {
		ToUser  string `json:"touser"`
		ToParty string `json:"toparty"`
		ToTag   string `json:"totag"`
		MsgType string `json:"msgtype"`
		AgentID int    `json:"agentid"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	switch {
	case req.AgentID == 0:
		return nil, errf(40056, "invalid agentid")
	case req.AgentID != c.install.AgentID:
		return nil, errf(301002, "no privilege to access the agent")
	case req.MsgType == "":
		return nil, errf(40008, "invalid message type")
	case req.ToUser == "" && req.ToParty == "" && req.ToTag == "":
		return nil, errf(40058, "touser, toparty and totag are all empty")
	}
	var invalid []string
	if req.ToUser != "@all" {
		for _, id := range strings.Split(req.ToUser, "|") {
			if u, ok := c.corp.User(id); id != "" && (!ok || !c.install.Visible(c.corp, u)) {
				invalid = append(invalid, id)
			}
		}
	}
	msgID := "sim" + store.RandHex(29)
	_ = s.store.AddMessage(c.corp.CorpID, store.Message{
		MsgID: msgID, SuiteID: c.install.SuiteID, AgentID: req.AgentID, ToUser: req.ToUser,
		ToParty: req.ToParty, MsgType: req.MsgType, Body: string(body), At: s.Now(),
	})
	return struct {
		okBody
		InvalidUser    string `json:"invaliduser"`
		InvalidParty   string `json:"invalidparty"`
		InvalidTag     string `json:"invalidtag"`
		UnlicensedUser string `json:"unlicenseduser"`
		MsgID          string `json:"msgid"`
		ResponseCode   string `json:"response_code"`
	}{success, strings.Join(invalid, "|"), "", "", "", msgID, store.RandHex(40)}, nil
}
