package orchestrator

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// A conversation keeps every setting of its Config but the run's header:
// running has each of Config's other fields, and New copies them all.
func TestSettingsAreConfigLessItsRun(t *testing.T) {
	ct, rt := reflect.TypeFor[Config](), reflect.TypeFor[running]()
	if ct.NumField() != rt.NumField()+1 {
		t.Errorf("Config has %d fields and running %d; want every one of Config's but Run", ct.NumField(), rt.NumField())
	}
	var cfg Config
	cv := reflect.ValueOf(&cfg).Elem()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if f.Name == "Run" {
			continue
		}
		if g, ok := rt.FieldByName(f.Name); !ok || g.Type != f.Type {
			t.Errorf("running has no field %s %v, as Config has", f.Name, f.Type)
			continue
		}
		cv.Field(i).Set(nonZero(t, f.Type))
	}
	c := New(cfg)
	rv := reflect.ValueOf(c.cfg)
	for i := range rt.NumField() {
		f := rt.Field(i)
		got, want := rv.Field(i), cv.FieldByName(f.Name)
		same := reflect.DeepEqual(got.Interface(), want.Interface())
		if f.Type.Kind() == reflect.Func {
			same = got.Pointer() == want.Pointer()
		}
		if !same {
			t.Errorf("New kept %s as %v; the Config said %v", f.Name, got, want)
		}
	}
}

// nonZero is a value of type t that is not its zero value.
func nonZero(t *testing.T, typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.Int:
		v.SetInt(7)
	case reflect.String:
		v.SetString("x")
	case reflect.Slice:
		v = reflect.MakeSlice(typ, 1, 1)
	case reflect.Array:
		v.Index(0).Set(nonZero(t, typ.Elem()))
	case reflect.Struct:
		v.Field(0).Set(nonZero(t, typ.Field(0).Type))
	case reflect.Func:
		v = reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
			out := make([]reflect.Value, typ.NumOut())
			for i := range out {
				out[i] = reflect.Zero(typ.Out(i))
			}
			return out
		})
	case reflect.Interface:
		p := reflect.ValueOf(policy.MaxMessages{N: 3})
		if !p.Type().Implements(typ) {
			t.Fatalf("no value to set a %v to", typ)
		}
		v.Set(p)
	default:
		t.Fatalf("no value to set a %v to", typ)
	}
	return v
}

// The run's header is announced as the Config gave it, and is not held
// once it has been.
func TestTheHeaderIsNotHeldOnceAnnounced(t *testing.T) {
	a := agents.NewScripted([]string{"one"}, 0)
	b := agents.NewScripted([]string{"uno"}, 0)
	c := New(Config{Run: transcripts.Run{ID: "job-1", Vary: map[string]string{"x": "1"}}, Seats: seats(a, b), Policy: policy.MaxMessages{N: 2}})
	var started *Started
	held := true
	if _, err := c.Run(context.Background(), SinkFunc(func(e Event) error {
		switch e := e.(type) {
		case Started:
			started = &e
		case MessageFinished:
			held = c.header != nil
		}
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	if started == nil || started.Run.ID != "job-1" || started.Run.Vary["x"] != "1" || started.Run.Title != "A ↔ B" {
		t.Errorf("Started = %+v; want the Config's run, titled after its seats", started)
	}
	if held {
		t.Error("the conversation holds its run's header after announcing it")
	}
}
