// A DSDB client in Go over the two protobuf write paths of docs/write.md, with the
// types protoc generates from the repository's dsdb.proto (package dsdbpb):
//
//   - HTTP: POST /api/put?details with Content-Type application/x-protobuf and a
//     WriteRequest body; the answer is OpenTSDB's JSON {"success":S,"failed":F,"errors":[…]}.
//   - raw TCP, on the same port: the preamble "\x00DSB" once, then per request a 4-byte
//     big-endian length and the WriteRequest bytes; DSDB answers each, in order, with a
//     WriteAck framed the same way.
//
// and one read path: GET /api/query, whose JSON keeps 64-bit integers exact (decoded
// here with json.Number, never through float64).
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"dsdb.example/goclient/dsdbpb"
	"google.golang.org/protobuf/proto"
)

var preamble = []byte{0x00, 'D', 'S', 'B'}

// PutSummary is /api/put?details's answer.
type PutSummary struct {
	Success int               `json:"success"`
	Failed  int               `json:"failed"`
	Errors  []json.RawMessage `json:"errors"`
}

// PutHTTP posts one WriteRequest to /api/put?details&sync (acknowledged once durable).
func PutHTTP(base string, req *dsdbpb.WriteRequest) (*PutSummary, error) {
	body, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	resp, err := http.Post(base+"/api/put?details&sync", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out PutSummary
	if err := json.Unmarshal(text, &out); err != nil {
		return nil, fmt.Errorf("HTTP %d, not a put summary: %s", resp.StatusCode, text)
	}
	if resp.StatusCode != http.StatusOK {
		return &out, fmt.Errorf("HTTP %d: %s", resp.StatusCode, text)
	}
	return &out, nil
}

// TCPClient writes over the raw TCP protobuf protocol.
type TCPClient struct {
	conn   net.Conn
	nextID uint64
}

// DialTCP opens a connection and sends the preamble.
func DialTCP(addr string) (*TCPClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(preamble); err != nil {
		conn.Close()
		return nil, err
	}
	return &TCPClient{conn: conn, nextID: 1}, nil
}

// Write sends one WriteRequest (its id set here) and waits for its WriteAck.
func (c *TCPClient) Write(points []*dsdbpb.Point, sync bool) (*dsdbpb.WriteAck, error) {
	req := &dsdbpb.WriteRequest{Points: points, Sync: sync, Id: c.nextID}
	c.nextID++
	body, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(frame, uint32(len(body)))
	copy(frame[4:], body)
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(frame); err != nil {
		return nil, err
	}
	var head [4]byte
	if _, err := io.ReadFull(c.conn, head[:]); err != nil {
		return nil, err
	}
	ackBytes := make([]byte, binary.BigEndian.Uint32(head[:]))
	if _, err := io.ReadFull(c.conn, ackBytes); err != nil {
		return nil, err
	}
	ack := &dsdbpb.WriteAck{}
	if err := proto.Unmarshal(ackBytes, ack); err != nil {
		return nil, err
	}
	if ack.Id != req.Id {
		return ack, fmt.Errorf("ack id %d for request %d", ack.Id, req.Id)
	}
	return ack, nil
}

// Close ends the connection.
func (c *TCPClient) Close() error { return c.conn.Close() }

// Series is one series of an /api/query answer; dps values are the JSON numbers as written.
type Series struct {
	Metric string                 `json:"metric"`
	Tags   map[string]string      `json:"tags"`
	Dps    map[string]json.Number `json:"dps"`
}

// Query runs GET /api/query with the given m= expression over [start, end] (seconds),
// in millisecond resolution.
func Query(base string, start, end int64, m string) ([]Series, error) {
	q := url.Values{}
	q.Set("start", fmt.Sprint(start))
	q.Set("end", fmt.Sprint(end))
	q.Set("m", m)
	q.Set("ms", "true")
	resp, err := http.Get(base + "/api/query?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, text)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var out []Series
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
