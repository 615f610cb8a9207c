package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/apikeys"
	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/database"
	"github.com/wecomisv/platform/internal/secrets"
)

const keysUsage = "usage: api keys create NAME | api keys list | api keys revoke ID | api keys rotate-signing"

// keys manages the API keys of the provider's own services: create (prints the key
// once), list, revoke; and rotate-signing rotates the platform's JWT signing key now.
func keys(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	store := apikeys.NewStore(db)
	switch {
	case args[0] == "rotate-signing" && len(args) == 1:
		return rotateSigning(ctx, cfg, db, out)
	case args[0] == "create" && len(args) == 2:
		k, secret, err := store.Create(ctx, args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created api key %d (%s); it is shown only now, store it safely:\n%s\n", k.ID, k.Name, secret)
		return nil
	case args[0] == "list" && len(args) == 1:
		list, err := store.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
		for _, k := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.UTC().Format(time.RFC3339),
				orDash(k.LastUsedAt), orDash(k.RevokedAt))
		}
		return tw.Flush()
	case args[0] == "revoke" && len(args) == 2:
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("revoke: %q is not a key id", args[1])
		}
		k, err := store.Revoke(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked api key %d (%s)\n", k.ID, k.Name)
		return nil
	}
	return errors.New(keysUsage)
}

func orDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// rotateSigning makes the next JWT signing key current at once (as JWT_KEY_ROTATION does on
// its schedule). Tokens of the old key keep verifying until they expire; replicas sign
// with the new key within a minute.
func rotateSigning(ctx context.Context, cfg config.Config, db *gorm.DB, out io.Writer) error {
	box, err := secrets.New(cfg.MasterKey, cfg.MasterKeyPrevious...)
	if err != nil {
		return fmt.Errorf("MASTER_KEY: %w", err)
	}
	keys := auth.SigningKeys(db, box, auth.ConfigFrom(cfg), slog.New(slog.DiscardHandler))
	if err := keys.Ensure(ctx); err != nil {
		return err
	}
	kid, err := keys.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rotated the JWT signing key; new tokens carry kid %s\n", kid)
	return nil
}
