package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// CreateAgency implements store.Catalog.
func (s *Store) CreateAgency(ctx context.Context, a *domain.Agency) error {
	row := agencyRow{
		Code: a.Code, Name: a.Name, TimeZone: a.TimeZone,
		WorkingHours: jsonOf(a.WorkingHours), CreatedAt: requiredDBTime(a.CreatedAt),
	}
	if a.ParentCode != "" {
		row.ParentCode = &a.ParentCode
	}
	err := s.conn(ctx).Create(&row).Error
	switch {
	case isUniqueViolation(err):
		return &domain.AlreadyExistsError{Kind: "agency", Key: a.Code}
	case isForeignKeyViolation(err):
		return domain.NotFound("parent agency", a.ParentCode)
	}
	return err
}

// GetAgency implements store.Catalog.
func (s *Store) GetAgency(ctx context.Context, code string) (*domain.Agency, error) {
	var row agencyRow
	err := s.conn(ctx).Where("code = ?", code).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("agency", code)
	}
	if err != nil {
		return nil, err
	}
	a := agencyFromRow(row)
	return &a, nil
}

// ListAgencies implements store.Catalog.
func (s *Store) ListAgencies(ctx context.Context, f store.AgencyFilter, after string, limit int) ([]domain.Agency, error) {
	q := s.conn(ctx).Where("code > ?", after)
	if f.ParentCode != "" {
		q = q.Where("parent_code = ?", f.ParentCode)
	}
	var rows []agencyRow
	if err := q.Order("code").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Agency, len(rows))
	for i, r := range rows {
		out[i] = agencyFromRow(r)
	}
	return out, nil
}

// AgencySubtree implements store.Catalog with a recursive query.
func (s *Store) AgencySubtree(ctx context.Context, code string) ([]string, error) {
	var codes []string
	err := s.conn(ctx).Raw(`WITH RECURSIVE sub(code) AS (
		SELECT code FROM agencies WHERE code = ?
		UNION SELECT a.code FROM agencies a JOIN sub ON a.parent_code = sub.code)
		SELECT code FROM sub ORDER BY code`, code).Scan(&codes).Error
	return codes, err
}

// CountAgencies implements store.Catalog.
func (s *Store) CountAgencies(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&agencyRow{}).Count(&n).Error
	return n, err
}

func agencyFromRow(r agencyRow) domain.Agency {
	a := domain.Agency{Code: r.Code, Name: r.Name, TimeZone: r.TimeZone, WorkingHours: r.WorkingHours.V, CreatedAt: r.CreatedAt.UTC()}
	if r.ParentCode != nil {
		a.ParentCode = *r.ParentCode
	}
	return a
}

// CreateProcedure implements store.Catalog.
func (s *Store) CreateProcedure(ctx context.Context, p *domain.Procedure) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		row := procedureRow{Code: p.Code, Name: p.Name, FieldCode: p.FieldCode, FieldName: p.FieldName,
			AgencyCode: p.AgencyCode, CreatedAt: requiredDBTime(p.CreatedAt)}
		err := s.conn(ctx).Create(&row).Error
		switch {
		case isUniqueViolation(err):
			return &domain.AlreadyExistsError{Kind: "procedure", Key: p.Code}
		case isForeignKeyViolation(err):
			return domain.NotFound("agency", p.AgencyCode)
		case err != nil:
			return err
		}
		for i := range p.Versions {
			if err := s.conn(ctx).Create(versionToRow(p.Code, &p.Versions[i])).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// AddProcedureVersion implements store.Catalog.
func (s *Store) AddProcedureVersion(ctx context.Context, code string, v *domain.ProcedureVersion) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&procedureVersionRow{}).
			Where("procedure_code = ? AND end_at IS NULL AND version < ?", code, v.Version).
			Update("end_at", dbTime(v.EffectiveAt))
		if res.Error != nil {
			return res.Error
		}
		err := s.conn(ctx).Create(versionToRow(code, v)).Error
		switch {
		case isUniqueViolation(err):
			return &domain.AlreadyExistsError{Kind: "procedure version", Key: code}
		case isForeignKeyViolation(err):
			return domain.NotFound("procedure", code)
		}
		return err
	})
}

// GetProcedure implements store.Catalog.
func (s *Store) GetProcedure(ctx context.Context, code string) (*domain.Procedure, error) {
	var row procedureRow
	err := s.conn(ctx).Where("code = ?", code).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("procedure", code)
	}
	if err != nil {
		return nil, err
	}
	ps, err := s.withVersions(ctx, []procedureRow{row})
	if err != nil {
		return nil, err
	}
	return &ps[0], nil
}

// ListProcedures implements store.Catalog.
func (s *Store) ListProcedures(ctx context.Context, f store.ProcedureFilter, after string, limit int) ([]domain.Procedure, error) {
	q := s.conn(ctx).Where("code > ?", after)
	if f.AgencyCode != "" {
		q = q.Where("agency_code = ?", f.AgencyCode)
	}
	if f.FieldCode != "" {
		q = q.Where("field_code = ?", f.FieldCode)
	}
	var rows []procedureRow
	if err := q.Order("code").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	return s.withVersions(ctx, rows)
}

// withVersions loads the versions of several procedures in one query.
func (s *Store) withVersions(ctx context.Context, rows []procedureRow) ([]domain.Procedure, error) {
	out := make([]domain.Procedure, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	codes := make([]string, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		codes[i] = r.Code
		index[r.Code] = i
		out[i] = domain.Procedure{Code: r.Code, Name: r.Name, FieldCode: r.FieldCode, FieldName: r.FieldName,
			AgencyCode: r.AgencyCode, CreatedAt: r.CreatedAt.UTC()}
	}
	var vrows []procedureVersionRow
	if err := s.conn(ctx).Where("procedure_code IN ?", codes).Order("procedure_code, version").Find(&vrows).Error; err != nil {
		return nil, err
	}
	for _, v := range vrows {
		p := &out[index[v.ProcedureCode]]
		p.Versions = append(p.Versions, domain.ProcedureVersion{
			Version: v.Version, EffectiveAt: v.EffectiveAt.UTC(), EndAt: fromDB(v.EndAt),
			ServiceLevel: domain.ServiceLevel(v.ServiceLevel), StatutoryMinutes: v.StatutoryMinutes,
			CutoffMinute: v.CutoffMinute, Fees: v.Fees.V, Components: v.Components.V, Workflow: v.Workflow.V,
			CreatedAt: v.CreatedAt.UTC(),
		})
		if v.Form != nil {
			p.Versions[len(p.Versions)-1].Form = v.Form.V
		}
	}
	return out, nil
}

func versionToRow(code string, v *domain.ProcedureVersion) *procedureVersionRow {
	r := &procedureVersionRow{
		ProcedureCode: code, Version: v.Version, EffectiveAt: requiredDBTime(v.EffectiveAt), EndAt: dbTime(v.EndAt),
		ServiceLevel: int(v.ServiceLevel), StatutoryMinutes: v.StatutoryMinutes, CutoffMinute: v.CutoffMinute,
		Fees: jsonOf(v.Fees), Components: jsonOf(v.Components), Workflow: jsonOf(v.Workflow),
		CreatedAt: requiredDBTime(v.CreatedAt),
	}
	if len(v.Form) > 0 {
		f := jsonOf(v.Form)
		r.Form = &f
	}
	return r
}
