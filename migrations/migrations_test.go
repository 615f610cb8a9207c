package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/migrations"
)

// Versions are contiguous (a gap means two branches picked the same number and one was
// renamed, or a file is missing) and every file can be rolled back.
func TestNumberingAndSections(t *testing.T) {
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if want := fmt.Sprintf("%05d_", i+1); !strings.HasPrefix(f, want) {
			t.Errorf("migration %d is %s, want a name starting %s", i+1, f, want)
		}
		b, _ := fs.ReadFile(migrations.FS, f)
		if !strings.Contains(string(b), "-- +goose Up") || !strings.Contains(string(b), "-- +goose Down") {
			t.Errorf("%s lacks a goose Up or Down section", f)
		}
	}
}

// Every migration rolls back cleanly and applies again.
func TestUpDownUp(t *testing.T) {
	t.Parallel()
	db, _ := testutil.DB(t) // already migrated up
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithSlog(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n := countTables(t, sqlDB); n != 1 { // goose's own version table remains
		t.Fatalf("%d tables left after rolling everything back", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

func countTables(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
