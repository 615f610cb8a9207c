package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/database"
)

const staffUsage = `usage: api staff create EMAIL --role viewer|operator|admin [--generate]
  The password is read from the first line of stdin, or with --generate a random one is
  printed once.`

// staff runs `api staff create`: it adds a console account.
func staff(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(staffUsage)
	}
	var email, role string
	generate := false
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--generate" || a == "-generate":
			generate = true
		case a == "--role" || a == "-role":
			if i+1 == len(args) {
				return errors.New(staffUsage)
			}
			i++
			role = args[i]
		case strings.HasPrefix(a, "--role="):
			role = strings.TrimPrefix(a, "--role=")
		case !strings.HasPrefix(a, "-") && email == "":
			email = a
		default:
			return fmt.Errorf("unexpected argument %q\n%s", a, staffUsage)
		}
	}
	r, err := console.ParseRole(role)
	if email == "" || err != nil {
		return errors.New(staffUsage)
	}
	var password string
	if generate {
		if password, err = console.GeneratePassword(); err != nil {
			return err
		}
	} else {
		fmt.Fprint(stdout, "Password (12+ characters, read from stdin): ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		fmt.Fprintln(stdout)
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	st, err := console.NewStaffStore(db).Create(ctx, email, r, password)
	if err != nil {
		return err
	}
	err = console.NewAuditLog(db).Write(ctx, console.Entry{StaffEmail: "cli", Action: console.ActionStaffCreate,
		Target: "staff:" + st.Email, Detail: map[string]any{"role": string(st.Role)}, IP: "local"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s staff account %s (id %d)\n", st.Role, st.Email, st.ID)
	if generate {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}
