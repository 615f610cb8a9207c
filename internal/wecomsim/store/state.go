// Package store holds the simulated WeCom's in-memory state: corps, their members, app
// installs, and every credential WeCom hands out with its lifetime. It knows the rules
// (expiry, single use, same token while valid) but no HTTP and no errcodes; the
// simulator maps its sentinel errors to WeCom's codes per endpoint.
package store

import (
	"cmp"
	"errors"
	"slices"
	"sync"
	"time"
)

// Sentinel errors. Callers map them to the errcode the endpoint at hand documents.
var (
	ErrUnknown   = errors.New("unknown")
	ErrExpired   = errors.New("expired")
	ErrUsed      = errors.New("already used")
	ErrWrongKind = errors.New("wrong kind")
	ErrCancelled = errors.New("install cancelled")
	ErrNoCorp    = errors.New("no such corp")
	ErrNoInstall = errors.New("no such install")
	ErrExists    = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// Install statuses.
const (
	StatusActive    = "active"
	StatusCancelled = "cancelled"
)

// User is a member of a simulated corp.
type User struct {
	UserID         string   `json:"userid"`
	OpenUserID     string   `json:"open_userid"`
	Name           string   `json:"name"`
	Department     []int    `json:"department"`
	MainDepartment int      `json:"main_department"`
	IsLeaderInDept []int    `json:"is_leader_in_dept,omitempty"`
	DirectLeader   []string `json:"direct_leader,omitempty"`
	Position       string   `json:"position,omitempty"`
	Mobile         string   `json:"mobile,omitempty"`
	Email          string   `json:"email,omitempty"`
	BizMail        string   `json:"biz_mail,omitempty"`
	Avatar         string   `json:"avatar,omitempty"`
	Alias          string   `json:"alias,omitempty"`
	Telephone      string   `json:"telephone,omitempty"`
	Gender         int      `json:"gender"`
	Status         int      `json:"status"`
}

// Department is a node of a corp's org tree; 1 is the root.
type Department struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	ParentID int    `json:"parentid"`
	Order    int    `json:"order"`
}

// Message is one message/send call, kept so tests can see what an app sent.
type Message struct {
	MsgID   string    `json:"msgid"`
	SuiteID string    `json:"suite_id"`
	AgentID int       `json:"agentid"`
	ToUser  string    `json:"touser,omitempty"`
	ToParty string    `json:"toparty,omitempty"`
	MsgType string    `json:"msgtype"`
	Body    string    `json:"body"`
	At      time.Time `json:"at"`
}

// Corp is a simulated enterprise.
type Corp struct {
	CorpID      string       `json:"corpid"`
	OpenCorpID  string       `json:"open_corpid"`
	Name        string       `json:"corp_name"`
	Users       []User       `json:"users"`
	Departments []Department `json:"departments"`
	// Admins are the corp's system admins; a new install makes them the app's admins.
	Admins    []string  `json:"admins"`
	CreatedAt time.Time `json:"created_at"`
	Messages  []Message `json:"messages,omitempty"`
}

// Admin is one entry of an app's admin list.
type Admin struct {
	UserID   string `json:"userid"`
	AuthType int    `json:"auth_type"`
}

// Install is one corp's authorization of one suite.
type Install struct {
	SuiteID       string    `json:"suite_id"`
	CorpID        string    `json:"corpid"`
	AgentID       int       `json:"agentid"`
	PermanentCode string    `json:"permanent_code"`
	Status        string    `json:"status"`
	AuthType      int       `json:"auth_type"`
	Admins        []Admin   `json:"admins"`
	AllowUser     []string  `json:"allow_user"`
	AllowParty    []int     `json:"allow_party"`
	AllowTag      []int     `json:"allow_tag"`
	AuthUserID    string    `json:"auth_userid"`
	State         string    `json:"state"`
	InstalledAt   time.Time `json:"installed_at"`
	seq           int64
}

type installKey struct{ suiteID, corpID string }

// Store is safe for concurrent use. Every exported method takes the lock once and
// returns copies, so callers never share memory with the store.
type Store struct {
	mu        sync.Mutex
	corps     map[string]*Corp
	corpOrder []string
	installs  map[installKey]*Install
	tokens    map[string]*Token
	current   map[string]string // subject key -> newest token value
	codes     map[string]*Code
	tickets   map[string][]SuiteTicket
	seq       int64
}

// New returns an empty store.
func New() *Store {
	return &Store{
		corps:    map[string]*Corp{},
		installs: map[installKey]*Install{},
		tokens:   map[string]*Token{},
		current:  map[string]string{},
		codes:    map[string]*Code{},
		tickets:  map[string][]SuiteTicket{},
	}
}

func (u User) clone() User {
	u.Department = slices.Clone(u.Department)
	u.IsLeaderInDept = slices.Clone(u.IsLeaderInDept)
	u.DirectLeader = slices.Clone(u.DirectLeader)
	return u
}

func (c *Corp) clone() Corp {
	out := *c
	out.Users = make([]User, len(c.Users))
	for i, u := range c.Users {
		out.Users[i] = u.clone()
	}
	out.Departments = slices.Clone(c.Departments)
	out.Admins = slices.Clone(c.Admins)
	out.Messages = slices.Clone(c.Messages)
	return out
}

func (in *Install) clone() Install {
	out := *in
	out.Admins = slices.Clone(in.Admins)
	out.AllowUser = slices.Clone(in.AllowUser)
	out.AllowParty = slices.Clone(in.AllowParty)
	out.AllowTag = slices.Clone(in.AllowTag)
	return out
}

// Corps returns every corp, oldest first.
func (s *Store) Corps() []Corp {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Corp, 0, len(s.corpOrder))
	for _, id := range s.corpOrder {
		out = append(out, s.corps[id].clone())
	}
	return out
}

// Corp returns one corp.
func (s *Store) Corp(corpID string) (Corp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return Corp{}, ErrNoCorp
	}
	return c.clone(), nil
}

// Installs returns every install of corpID (any status), ordered by suite id.
func (s *Store) Installs(corpID string) []Install {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Install
	for k, in := range s.installs {
		if k.corpID == corpID {
			out = append(out, in.clone())
		}
	}
	slices.SortFunc(out, func(a, b Install) int { return cmp.Compare(a.SuiteID, b.SuiteID) })
	return out
}

// Install returns one install, whatever its status.
func (s *Store) Install(suiteID, corpID string) (Install, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.installs[installKey{suiteID, corpID}]
	if !ok {
		return Install{}, ErrNoInstall
	}
	return in.clone(), nil
}

// ActiveInstalls lists the active installs of suiteID (all suites if empty), newest first.
func (s *Store) ActiveInstalls(suiteID string) []Install {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Install
	for _, in := range s.installs {
		if in.Status == StatusActive && (suiteID == "" || in.SuiteID == suiteID) {
			out = append(out, in.clone())
		}
	}
	slices.SortFunc(out, func(a, b Install) int { return cmp.Compare(b.seq, a.seq) })
	return out
}
