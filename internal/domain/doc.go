// Package domain holds the vocabulary of motcua — dossiers, events,
// procedures, agencies, principals — and the rules that need no I/O: dossier
// codes, identity-number checks, attribution, and the error sentinels every
// layer shares.
//
// Enumerations use the same numbers as the API (and, for statuses and
// channels, as the national public-service portal), so conversions are casts.
package domain
