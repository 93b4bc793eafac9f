package simulate

import (
	"fmt"
	"math/rand/v2"
)

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middleNames = []string{"Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang", "Thanh", "Xuân", "Hoài", "Kim"}
	givenNames  = []string{"An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hằng", "Hùng", "Lan", "Linh", "Long", "Mai",
		"Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khoa", "Nhung"}
	// Birth-registration provinces of the applicants: mostly the demo
	// province (080), some from elsewhere.
	idProvinces = []string{"080", "080", "080", "080", "079", "072", "082", "083", "086", "001", "038", "040"}
	firmKinds   = []string{"Công ty TNHH", "Công ty cổ phần", "Doanh nghiệp tư nhân", "Công ty TNHH MTV"}
	firmNames   = []string{"Thành Đạt", "Phú Quý", "Hưng Thịnh", "Minh Phát", "An Khang", "Tân Tiến", "Đại Việt", "Hoàng Long"}
)

// PersonName draws a Vietnamese full name: family, middle and given name
// (three draws from r).
func PersonName(r *rand.Rand) string {
	return familyNames[r.IntN(len(familyNames))] + " " + middleNames[r.IntN(len(middleNames))] + " " +
		givenNames[r.IntN(len(givenNames))]
}

// FirmName draws an enterprise's name: its legal form and a name.
func FirmName(r *rand.Rand) string {
	return firmKinds[r.IntN(len(firmKinds))] + " " + firmNames[r.IntN(len(firmNames))]
}

// CitizenNumber is the 12-digit citizen identity number (số định danh cá
// nhân) of a person registered at birth in province (three digits), born
// in year, with serial as its last six digits. The fourth digit encodes
// century and sex: 0/1 for a man/woman born in the 1900s, 2/3 in the 2000s.
func CitizenNumber(province string, year int, female bool, serial int) string {
	century := 0
	if year >= 2000 {
		century = 2
	}
	if female {
		century++
	}
	return fmt.Sprintf("%s%d%02d%06d", province, century, year%100, serial%1000000)
}

// CitizenID draws a valid identity number with a random serial (four draws
// from r): unique enough for a year of an office, not guaranteed unique.
func CitizenID(r *rand.Rand) string {
	year, female, province := drawBirth(r)
	return CitizenNumber(province, year, female, r.IntN(1000000))
}

// NumberedCitizenID draws a valid identity number whose serial is given
// (three draws from r): distinct serials give distinct numbers.
func NumberedCitizenID(r *rand.Rand, serial int) string {
	year, female, province := drawBirth(r)
	return CitizenNumber(province, year, female, serial)
}

// drawBirth draws birth year, sex and birth-registration province, in
// that order.
func drawBirth(r *rand.Rand) (year int, female bool, province string) {
	year = 1945 + r.IntN(62)
	female = r.IntN(2) == 1
	return year, female, idProvinces[r.IntN(len(idProvinces))]
}

// TaxCode draws a valid 10-digit enterprise code (with its check digit) of
// the demo province, whose codes start with 3.
func TaxCode(r *rand.Rand) string {
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	for {
		var b [10]byte
		sum := 0
		for i, w := range weights {
			d := r.IntN(10)
			if i == 0 {
				d = 3
			}
			b[i] = byte('0' + d)
			sum += w * d
		}
		if check := 10 - sum%11; check <= 9 {
			b[9] = byte('0' + check)
			return string(b[:])
		}
	}
}
