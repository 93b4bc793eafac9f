package portalsim

import (
	"fmt"
	"regexp"
	"time"

	"github.com/motcua/motcua/internal/dvcqg"
)

// The portal's rules for what it accepts, checked on every field. They are
// written here, apart from the mapping in package dvcqg, so that a mapping
// mistake is caught instead of mirrored.

var (
	codePattern   = regexp.MustCompile(`^[0-9A-Za-z.]{1,32}-[0-9]{6}-[0-9]{4,}$`)
	digitsPattern = regexp.MustCompile(`^[0-9]+$`)
)

type checker struct {
	errs []dvcqg.FieldError
	loc  *time.Location
}

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, dvcqg.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) required(field, v string, max int) {
	switch {
	case v == "":
		c.add(field, "bắt buộc (required)")
	case len([]rune(v)) > max:
		c.add(field, "dài quá %d ký tự (longer than %d characters)", max, max)
	}
}

func (c *checker) optional(field, v string, max int) {
	if len([]rune(v)) > max {
		c.add(field, "dài quá %d ký tự (longer than %d characters)", max, max)
	}
}

// date checks a yyyyMMddHHmmss field; required says whether "" is refused.
func (c *checker) date(field, v string, required bool) time.Time {
	if v == "" {
		if required {
			c.add(field, "bắt buộc (required), định dạng yyyyMMddHHmmss")
		}
		return time.Time{}
	}
	t, err := dvcqg.ParseTime(v, c.loc)
	if err != nil || t.Format(dvcqg.TimeLayout) != v {
		c.add(field, "sai định dạng yyyyMMddHHmmss: %q", v)
		return time.Time{}
	}
	return t
}

func (c *checker) oneOf(field string, v int, allowed ...int) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(field, "giá trị %d không hợp lệ (allowed: %v)", v, allowed)
}

func (c *checker) flag(field string, v int) { c.oneOf(field, v, 0, 1) }

// checkHoSo applies the portal's rules to a dossier.
func checkHoSo(h *dvcqg.HoSo, p string, loc *time.Location) []dvcqg.FieldError {
	c := &checker{loc: loc}
	if !codePattern.MatchString(h.MaHoSo) {
		c.add(p+"MaHoSo", "mã hồ sơ không đúng cấu trúc <mã đơn vị>-<yyMMdd>-<số thứ tự>: %q", h.MaHoSo)
	}
	if h.PhienBan < 1 {
		c.add(p+"PhienBan", "phải lớn hơn 0")
	}
	c.required(p+"MaTTHC", h.MaTTHC, 64)
	c.required(p+"TenTTHC", h.TenTTHC, 1000)
	c.optional(p+"MaLinhVuc", h.MaLinhVuc, 64)
	c.optional(p+"TenLinhVuc", h.TenLinhVuc, 500)
	c.oneOf(p+"KenhThucHien", h.KenhThucHien, 1, 2, 3)
	c.required(p+"ChuHoSo", h.ChuHoSo, 300)
	c.oneOf(p+"LoaiDoiTuong", h.LoaiDoiTuong, 1, 2, 3, 4)
	c.required(p+"SoGiayToChuHoSo", h.SoGiayToChuHoSo, 50)
	if h.MaDoiTuong != "" && h.KenhThucHien != 2 {
		c.add(p+"MaDoiTuong", "chỉ gửi cho hồ sơ trực tuyến (only for online dossiers, KenhThucHien 2)")
	}
	c.optional(p+"Email", h.Email, 200)
	c.optional(p+"SoDienThoai", h.SoDienThoai, 20)
	c.optional(p+"TrichYeuHoSo", h.TrichYeuHoSo, 2000)
	c.required(p+"DonViXuLy", h.DonViXuLy, 32)
	c.oneOf(p+"TrangThaiHoSo", h.TrangThaiHoSo, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	st := h.TrangThaiHoSo
	submitted := c.date(p+"NgayNopHoSo", h.NgayNopHoSo, true)
	received := c.date(p+"NgayTiepNhan", h.NgayTiepNhan, st == 2 || st == 4 || st == 5 || st == 6 || st == 9 || st == 10)
	due := c.date(p+"NgayHenTra", h.NgayHenTra, !received.IsZero())
	c.date(p+"NgayTuChoi", h.NgayTuChoi, st == 3)
	finished := c.date(p+"NgayKetThucXuLy", h.NgayKetThucXuLy, st == 9 || st == 10)
	returned := c.date(p+"NgayTra", h.NgayTra, st == 10)
	if !received.IsZero() && !submitted.IsZero() && received.Before(submitted) {
		c.add(p+"NgayTiepNhan", "trước ngày nộp (before NgayNopHoSo)")
	}
	if !due.IsZero() && !received.IsZero() && due.Before(received) {
		c.add(p+"NgayHenTra", "trước ngày tiếp nhận (before NgayTiepNhan)")
	}
	if !returned.IsZero() && !finished.IsZero() && returned.Before(finished) {
		c.add(p+"NgayTra", "trước ngày kết thúc xử lý (before NgayKetThucXuLy)")
	}
	if h.HinhThuc != 0 {
		c.oneOf(p+"HinhThuc", h.HinhThuc, 1, 2, 3)
	}
	c.flag(p+"HoSoCoThanhPhanSoHoa", h.HoSoCoThanhPhanSoHoa)
	c.flag(p+"TaiKhoanDuocXacThucVoiVNeID", h.TaiKhoanDuocXacThucVoiVNeID)
	c.flag(p+"DuocThanhToanTrucTuyen", h.DuocThanhToanTrucTuyen)
	digitised := 0
	for i, t := range h.TaiLieuNop {
		q := fmt.Sprintf("%sTaiLieuNop[%d].", p, i)
		c.required(q+"MaThanhPhanHoSo", t.MaThanhPhanHoSo, 64)
		c.required(q+"TenTepDinhKem", t.TenTepDinhKem, 500)
		c.optional(q+"DuongDanTaiTepTin", t.DuongDanTaiTepTin, 1000)
		c.flag(q+"DuocSoHoa", t.DuocSoHoa)
		c.flag(q+"DuocTaiSuDung", t.DuocTaiSuDung)
		if t.DuocSoHoa == 1 || t.DuocTaiSuDung == 1 {
			digitised++
		}
	}
	if (digitised > 0) != (h.HoSoCoThanhPhanSoHoa == 1) {
		c.add(p+"HoSoCoThanhPhanSoHoa", "không khớp với TaiLieuNop (disagrees with the components' DuocSoHoa/DuocTaiSuDung)")
	}
	for i, f := range h.DanhSachLePhi {
		q := fmt.Sprintf("%sDanhSachLePhi[%d].", p, i)
		c.required(q+"TenPhiLePhi", f.TenPhiLePhi, 500)
		c.required(q+"MaPhiLePhi", f.MaPhiLePhi, 64)
		c.oneOf(q+"HinhThucThu", f.HinhThucThu, 1, 2)
		c.oneOf(q+"LoaiPhiLePhi", f.LoaiPhiLePhi, 1, 2)
		if f.Gia < 0 {
			c.add(q+"Gia", "không được âm (negative)")
		}
	}
	for i, b := range h.DanhSachHoSoBoSung {
		q := fmt.Sprintf("%sDanhSachHoSoBoSung[%d].", p, i)
		c.date(q+"NgayYeuCauBoSung", b.NgayYeuCauBoSung, true)
		c.optional(q+"NoiDungYeuCau", b.NoiDungYeuCau, 2000)
		c.date(q+"NgayTiepNhanBoSung", b.NgayTiepNhanBoSung, false)
		c.date(q+"NgayHenTraTruoc", b.NgayHenTraTruoc, false)
		c.date(q+"NgayHenTraMoi", b.NgayHenTraMoi, false)
	}
	for i, r := range h.DanhSachGiayToKetQua {
		q := fmt.Sprintf("%sDanhSachGiayToKetQua[%d].", p, i)
		c.required(q+"TenGiayTo", r.TenGiayTo, 500)
		c.required(q+"MaGiayToKetQua", r.MaGiayToKetQua, 64)
	}
	for i, id := range h.DinhDanhCHS {
		q := fmt.Sprintf("%sDinhDanhCHS[%d].", p, i)
		switch {
		case id.LoaiDinhDanh == 1 && (len(id.SoDinhDanh) != 12 || !digitsPattern.MatchString(id.SoDinhDanh)):
			c.add(q+"SoDinhDanh", "số định danh cá nhân có 12 chữ số (a personal ID has 12 digits)")
		case id.LoaiDinhDanh == 2 && (len(id.SoDinhDanh) != 9 || !digitsPattern.MatchString(id.SoDinhDanh)):
			c.add(q+"SoDinhDanh", "CMND có 9 chữ số (an old ID card has 9 digits)")
		case id.LoaiDinhDanh != 1 && id.LoaiDinhDanh != 2:
			c.add(q+"LoaiDinhDanh", "giá trị %d không hợp lệ (allowed: 1, 2)", id.LoaiDinhDanh)
		}
	}
	return c.errs
}

// checkTienDo applies the portal's rules to a progress row.
func checkTienDo(t *dvcqg.TienDo, p string, loc *time.Location) []dvcqg.FieldError {
	c := &checker{loc: loc}
	if !codePattern.MatchString(t.MaHoSo) {
		c.add(p+"MaHoSo", "mã hồ sơ không đúng cấu trúc: %q", t.MaHoSo)
	}
	c.required(p+"NguoiXuLy", t.NguoiXuLy, 300)
	c.required(p+"ChucDanh", t.ChucDanh, 300)
	c.required(p+"PhongBanXuLy", t.PhongBanXuLy, 300)
	c.required(p+"NoiDungXuLy", t.NoiDungXuLy, 2000)
	c.oneOf(p+"TrangThai", t.TrangThai, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	c.date(p+"ThoiDiemXuLy", t.ThoiDiemXuLy, true)
	start := c.date(p+"NgayBatDau", t.NgayBatDau, true)
	due := c.date(p+"NgayKetThucTheoQuyDinh", t.NgayKetThucTheoQuyDinh, true)
	if !start.IsZero() && !due.IsZero() && due.Before(start) {
		c.add(p+"NgayKetThucTheoQuyDinh", "trước ngày bắt đầu (before NgayBatDau)")
	}
	return c.errs
}
