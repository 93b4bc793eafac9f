package gormstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// The bounds reach PostgreSQL as session settings, and a parameter the
// operator wrote in the URL wins over the flag.
func TestPostgresSessionBounds(t *testing.T) {
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("lock_timeout", "1234")
	u.RawQuery = q.Encode()
	st, err := gormstore.OpenWith(context.Background(), u.String(),
		gormstore.Options{ConnectTimeout: 3 * time.Second, StatementTimeout: 7 * time.Second, LockTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for setting, want := range map[string]string{"statement_timeout": "7s", "lock_timeout": "1234ms"} {
		var got string
		if err := st.DB().Raw("SHOW " + setting).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %s, want %s", setting, got, want)
		}
	}
}
