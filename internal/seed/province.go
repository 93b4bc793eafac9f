package seed

import (
	"context"
	"errors"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// District is a district-level people's committee (Ủy ban nhân dân cấp
// huyện) of the demo province: it receives dossiers at its own one-stop
// counter, so that "the province and the agencies below it" is more than
// one office. Weight is its share of the districts' filings.
type District struct {
	Code   string
	Name   string
	Weight float64
}

// Districts are the ten districts (and towns) of the demo province, the
// provincial city first.
var Districts = []District{
	{"000.21.01.H55", "UBND thành phố Tân Hòa", 0.20},
	{"000.22.01.H55", "UBND thị xã Bình Sơn", 0.13},
	{"000.23.01.H55", "UBND huyện An Lạc", 0.10},
	{"000.24.01.H55", "UBND huyện Phú Mỹ", 0.09},
	{"000.25.01.H55", "UBND huyện Long Điền", 0.09},
	{"000.26.01.H55", "UBND huyện Hòa Thành", 0.08},
	{"000.27.01.H55", "UBND huyện Tân Phước", 0.08},
	{"000.28.01.H55", "UBND huyện Vĩnh Lợi", 0.08},
	{"000.29.01.H55", "UBND huyện Đông Hải", 0.08},
	{"000.30.01.H55", "UBND huyện Cẩm Thủy", 0.07},
}

// EnsureProvince installs the demo catalog when the store has no agency
// (procedures effective from effective), and adds the districts that are
// missing under the province, through the use cases a over st, in one
// transaction.
func EnsureProvince(ctx context.Context, a *app.Service, st app.CatalogStore, effective time.Time) error {
	if _, err := EnsureDemoCatalog(ctx, a, st, effective); err != nil {
		return err
	}
	return st.InTx(ctx, func(ctx context.Context) error {
		for _, d := range Districts {
			_, err := st.GetAgency(ctx, d.Code)
			if err == nil {
				continue
			}
			if !errors.Is(err, domain.ErrNotFound) {
				return err
			}
			if _, err := a.CreateAgency(ctx, AdminPrincipal, domain.Agency{Code: d.Code, Name: d.Name, ParentCode: Province}); err != nil {
				return err
			}
		}
		return nil
	})
}
