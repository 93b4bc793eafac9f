// Package telemetry sets up what an operator observes beyond the access
// log: OpenTelemetry tracing (exported over OTLP when configured), trace
// ids in log lines, and the domain metrics.
package telemetry

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TracingConfig says where traces go.
type TracingConfig struct {
	// Endpoint is an OTLP/gRPC URL (http://collector:4317 for plaintext,
	// https://… for TLS). Empty falls back to the standard
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT
	// variables (with the exporter's other OTEL_EXPORTER_OTLP_* settings);
	// with neither, nothing is exported.
	Endpoint string
	// SampleRatio is the fraction of new traces recorded; a caller's
	// sampled trace context is always followed.
	SampleRatio float64
	// Version is the service version recorded on every span.
	Version string
}

// Exporting reports whether c exports spans.
func (c TracingConfig) Exporting() bool {
	return c.Endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// NewTracerProvider returns the provider every span comes from, and
// installs it and the W3C trace-context propagator globally. Without an
// exporter it still gives each call a trace id (for log lines and error
// details) but records nothing, which costs next to nothing. Shutdown
// flushes the spans not yet exported.
func NewTracerProvider(ctx context.Context, c TracingConfig) (*sdktrace.TracerProvider, error) {
	res, err := resource.New(ctx, resource.WithAttributes(
		attribute.String("service.name", "motcua"), attribute.String("service.version", c.Version)),
		resource.WithFromEnv(), resource.WithHost())
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if c.Exporting() {
		var eopts []otlptracegrpc.Option
		if c.Endpoint != "" {
			eopts = append(eopts, otlptracegrpc.WithEndpointURL(c.Endpoint))
		}
		exp, err := otlptracegrpc.New(ctx, eopts...)
		if err != nil {
			return nil, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(c.SampleRatio))))
	} else {
		opts = append(opts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp, nil
}
