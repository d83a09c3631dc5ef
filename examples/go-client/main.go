// dsdb-go-client writes one point of each numeric kind over protobuf, through HTTP and
// through raw TCP, reads them back over /api/query and checks every value exactly: int64
// at both ends of its range and just past 2^53, doubles at their extremes, second and
// millisecond timestamps. It prints a JSON summary and exits 1 on any mismatch.
//
//	bin/dsdb-go-client --port 4242 --metric go.rt
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"dsdb.example/goclient/dsdbpb"
)

// sample is one point to write and what /api/query must give back for it.
type sample struct {
	key       string
	timestamp int64 // as sent: seconds, or milliseconds above 4294967295
	isInt     bool
	i         int64
	f         float64
}

var samples = []sample{
	{key: "int.max", timestamp: 1356998400, isInt: true, i: math.MaxInt64},
	{key: "int.min", timestamp: 1356998400, isInt: true, i: math.MinInt64},
	{key: "int.2p53p1", timestamp: 1356998400, isInt: true, i: 1<<53 + 1},
	{key: "int.ms", timestamp: 1356998400456, isInt: true, i: -123456789012345678},
	{key: "float", timestamp: 1356998400, f: 0.1},
	{key: "float.ms", timestamp: 1356998400123, f: -2.5e-300},
	{key: "float.max", timestamp: 1356998400, f: math.MaxFloat64},
}

func points(metric, via string) []*dsdbpb.Point {
	out := make([]*dsdbpb.Point, 0, len(samples))
	for _, s := range samples {
		p := &dsdbpb.Point{Metric: metric, Timestamp: s.timestamp, Tags: map[string]string{"via": via, "k": s.key}}
		if s.isInt {
			p.Value = &dsdbpb.Point_IntValue{IntValue: s.i}
		} else {
			p.Value = &dsdbpb.Point_DoubleValue{DoubleValue: s.f}
		}
		out = append(out, p)
	}
	return out
}

// check compares the series read back for one transport with the samples; it returns
// one message per mismatch.
func check(series []Series, via string) (int, []string) {
	var problems []string
	byKey := map[string]Series{}
	for _, s := range series {
		if s.Tags["via"] == via {
			byKey[s.Tags["k"]] = s
		}
	}
	checked := 0
	for _, want := range samples {
		s, ok := byKey[want.key]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s %s: no series read back", via, want.key))
			continue
		}
		ms := want.timestamp
		if ms <= 4294967295 {
			ms *= 1000
		}
		got, ok := s.Dps[strconv.FormatInt(ms, 10)]
		if !ok || len(s.Dps) != 1 {
			problems = append(problems, fmt.Sprintf("%s %s: want one point at %d ms, got %v", via, want.key, ms, s.Dps))
			continue
		}
		text := got.String()
		if want.isInt {
			if text != strconv.FormatInt(want.i, 10) {
				problems = append(problems, fmt.Sprintf("%s %s: want %d, got %s", via, want.key, want.i, text))
				continue
			}
		} else {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil || f != want.f || !strings.ContainsAny(text, ".eE") {
				problems = append(problems, fmt.Sprintf("%s %s: want %v, got %s", via, want.key, want.f, text))
				continue
			}
		}
		checked++
	}
	return checked, problems
}

func main() {
	host := flag.String("host", "127.0.0.1", "DSDB host")
	port := flag.Int("port", 4242, "DSDB port (HTTP and raw TCP share it)")
	metric := flag.String("metric", "go.client", "metric to write")
	flag.Parse()
	base := fmt.Sprintf("http://%s:%d", *host, *port)
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "dsdb-go-client: "+format+"\n", args...)
		os.Exit(1)
	}

	summary, err := PutHTTP(base, &dsdbpb.WriteRequest{Points: points(*metric, "http")})
	if err != nil {
		fail("HTTP put: %v", err)
	}
	client, err := DialTCP(fmt.Sprintf("%s:%d", *host, *port))
	if err != nil {
		fail("TCP connect: %v", err)
	}
	ack, err := client.Write(points(*metric, "tcp"), true)
	client.Close()
	if err != nil {
		fail("TCP write: %v", err)
	}
	if ack.Error != "" || ack.Failed != 0 {
		fail("TCP write refused: %v", ack)
	}

	series, err := Query(base, 1356998000, 1356999000, "none:"+*metric+"{via=*,k=*}")
	if err != nil {
		fail("query: %v", err)
	}
	checkedHTTP, problemsHTTP := check(series, "http")
	checkedTCP, problemsTCP := check(series, "tcp")
	problems := append(problemsHTTP, problemsTCP...)
	out, _ := json.Marshal(map[string]any{
		"http":    map[string]int{"success": summary.Success, "failed": summary.Failed},
		"tcp":     map[string]any{"id": ack.Id, "written": ack.Written, "failed": ack.Failed},
		"checked": checkedHTTP + checkedTCP,
		"series":  len(series),
	})
	fmt.Println(string(out))
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "mismatch:", p)
	}
	if len(problems) > 0 || summary.Failed != 0 {
		os.Exit(1)
	}
}
