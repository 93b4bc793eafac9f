package dvcqg

import "fmt"

// Difference is one field where the portal's copy differs from ours.
type Difference struct {
	Field  string `json:"field"`
	Local  string `json:"local"`
	Portal string `json:"portal"`
}

// Compare lists the reconciled fields — status, channel and the dates —
// where the portal's copy differs from what we would send now.
func Compare(local, portal *HoSo) []Difference {
	var out []Difference
	add := func(field, l, p string) {
		if l != p {
			out = append(out, Difference{Field: field, Local: l, Portal: p})
		}
	}
	add("TrangThaiHoSo", fmt.Sprint(local.TrangThaiHoSo), fmt.Sprint(portal.TrangThaiHoSo))
	add("KenhThucHien", fmt.Sprint(local.KenhThucHien), fmt.Sprint(portal.KenhThucHien))
	add("NgayNopHoSo", local.NgayNopHoSo, portal.NgayNopHoSo)
	add("NgayTiepNhan", local.NgayTiepNhan, portal.NgayTiepNhan)
	add("NgayHenTra", local.NgayHenTra, portal.NgayHenTra)
	add("NgayTuChoi", local.NgayTuChoi, portal.NgayTuChoi)
	add("NgayKetThucXuLy", local.NgayKetThucXuLy, portal.NgayKetThucXuLy)
	add("NgayTra", local.NgayTra, portal.NgayTra)
	return out
}
