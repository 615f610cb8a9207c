package store

import (
	"fmt"
	"slices"
	"time"
)

// CorpSeed describes a corp to create. Empty fields get generated values.
type CorpSeed struct {
	CorpID      string
	Name        string
	Users       []User
	Departments []Department
	Admins      []string
}

// defaultUsers populate a corp created from the install page, so OAuth has someone to
// sign in as. Their userids repeat across corps, as userids are only unique per corp.
var defaultUsers = []User{
	{UserID: "zhangsan", Name: "张三", Department: []int{1}, Position: "总经理", Gender: 1},
	{UserID: "lisi", Name: "李四", Department: []int{2}, Position: "工程师", Gender: 2},
	{UserID: "wangwu", Name: "王五", Department: []int{2}, Position: "工程师", Gender: 1},
}

// AddCorp creates a corp. A seed without users gets the default members and the first
// of them as admin; one without departments gets a root and one child department.
func (s *Store) AddCorp(seed CorpSeed, now time.Time) (Corp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seed.CorpID == "" {
		seed.CorpID = NewCorpID()
	}
	if _, ok := s.corps[seed.CorpID]; ok {
		return Corp{}, fmt.Errorf("corp %s: %w", seed.CorpID, ErrExists)
	}
	if seed.Name == "" {
		seed.Name = fmt.Sprintf("模拟企业%d", len(s.corps)+1)
	}
	c := &Corp{CorpID: seed.CorpID, OpenCorpID: newOpenCorpID(), Name: seed.Name, CreatedAt: now}
	c.Departments = slices.Clone(seed.Departments)
	if len(c.Departments) == 0 {
		c.Departments = []Department{{ID: 1, Name: seed.Name, Order: 100000000}, {ID: 2, Name: "研发部", ParentID: 1, Order: 100000000}}
	}
	users := seed.Users
	if len(users) == 0 {
		users = defaultUsers
	}
	for _, u := range users {
		c.Users = append(c.Users, normalizeUser(u.clone()))
	}
	c.Admins = slices.Clone(seed.Admins)
	if len(c.Admins) == 0 {
		c.Admins = []string{c.Users[0].UserID}
	}
	s.corps[c.CorpID] = c
	s.corpOrder = append(s.corpOrder, c.CorpID)
	return c.clone(), nil
}

func normalizeUser(u User) User {
	if u.OpenUserID == "" {
		u.OpenUserID = newOpenUserID()
	}
	if u.Name == "" {
		u.Name = u.UserID
	}
	if len(u.Department) == 0 {
		u.Department = []int{1}
	}
	if u.MainDepartment == 0 {
		u.MainDepartment = u.Department[0]
	}
	if len(u.IsLeaderInDept) != len(u.Department) {
		u.IsLeaderInDept = make([]int, len(u.Department))
	}
	if u.Status == 0 {
		u.Status = 1
	}
	return u
}

// CreateUser adds a member; it returns the stored user with generated fields filled.
func (s *Store) CreateUser(corpID string, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return User{}, ErrNoCorp
	}
	if u.UserID == "" {
		return User{}, fmt.Errorf("userid: %w", ErrNotFound)
	}
	if userIndex(c, u.UserID) >= 0 {
		return User{}, fmt.Errorf("user %s: %w", u.UserID, ErrExists)
	}
	u = normalizeUser(u.clone())
	c.Users = append(c.Users, u)
	return u.clone(), nil
}

// UpdateUser applies fn to a member. fn runs under the store lock and must not call it.
func (s *Store) UpdateUser(corpID, userID string, fn func(*User)) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return User{}, ErrNoCorp
	}
	i := userIndex(c, userID)
	if i < 0 {
		return User{}, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	u := c.Users[i].clone()
	fn(&u)
	if u.UserID != userID && userIndex(c, u.UserID) >= 0 {
		return User{}, fmt.Errorf("user %s: %w", u.UserID, ErrExists)
	}
	c.Users[i] = normalizeUser(u)
	return c.Users[i].clone(), nil
}

// DeleteUser removes a member and returns it as it was.
func (s *Store) DeleteUser(corpID, userID string) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return User{}, ErrNoCorp
	}
	i := userIndex(c, userID)
	if i < 0 {
		return User{}, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	u := c.Users[i]
	c.Users = slices.Delete(c.Users, i, i+1)
	return u, nil
}

func userIndex(c *Corp, userID string) int {
	return slices.IndexFunc(c.Users, func(u User) bool { return u.UserID == userID })
}

func deptIndex(c *Corp, id int) int {
	return slices.IndexFunc(c.Departments, func(d Department) bool { return d.ID == id })
}

// CreateDepartment adds a department; ID 0 picks the next free id.
func (s *Store) CreateDepartment(corpID string, d Department) (Department, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return Department{}, ErrNoCorp
	}
	if d.ID == 0 {
		for _, x := range c.Departments {
			d.ID = max(d.ID, x.ID)
		}
		d.ID++
	}
	if deptIndex(c, d.ID) >= 0 {
		return Department{}, fmt.Errorf("department %d: %w", d.ID, ErrExists)
	}
	if d.ParentID == 0 && d.ID != 1 {
		d.ParentID = 1
	}
	c.Departments = append(c.Departments, d)
	return d, nil
}

// UpdateDepartment applies fn to a department under the store lock.
func (s *Store) UpdateDepartment(corpID string, id int, fn func(*Department)) (Department, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return Department{}, ErrNoCorp
	}
	i := deptIndex(c, id)
	if i < 0 {
		return Department{}, fmt.Errorf("department %d: %w", id, ErrNotFound)
	}
	fn(&c.Departments[i])
	c.Departments[i].ID = id
	return c.Departments[i], nil
}

// DeleteDepartment removes a department.
func (s *Store) DeleteDepartment(corpID string, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return ErrNoCorp
	}
	i := deptIndex(c, id)
	if i < 0 {
		return fmt.Errorf("department %d: %w", id, ErrNotFound)
	}
	c.Departments = slices.Delete(c.Departments, i, i+1)
	return nil
}

// AddMessage records a sent message, keeping the newest 100 per corp.
func (s *Store) AddMessage(corpID string, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return ErrNoCorp
	}
	c.Messages = append(c.Messages, m)
	if n := len(c.Messages); n > 100 {
		c.Messages = slices.Clone(c.Messages[n-100:])
	}
	return nil
}

// InDepartment reports whether dept is want or one of its descendants.
func (c Corp) InDepartment(dept, want int) bool {
	for seen := 0; dept != 0 && seen <= len(c.Departments); seen++ {
		if dept == want {
			return true
		}
		i := slices.IndexFunc(c.Departments, func(d Department) bool { return d.ID == dept })
		if i < 0 {
			return false
		}
		dept = c.Departments[i].ParentID
	}
	return false
}

// User returns a member by userid.
func (c Corp) User(userID string) (User, bool) {
	i := slices.IndexFunc(c.Users, func(u User) bool { return u.UserID == userID })
	if i < 0 {
		return User{}, false
	}
	return c.Users[i], true
}

// Visible reports whether a member is in the install's visible range (可见范围).
func (in Install) Visible(c Corp, u User) bool {
	if slices.Contains(in.AllowUser, u.UserID) {
		return true
	}
	for _, d := range u.Department {
		for _, p := range in.AllowParty {
			if c.InDepartment(d, p) {
				return true
			}
		}
	}
	return false
}

// DepartmentVisible reports whether a department lies inside the visible range.
func (in Install) DepartmentVisible(c Corp, dept int) bool {
	for _, p := range in.AllowParty {
		if c.InDepartment(dept, p) {
			return true
		}
	}
	return false
}
