// Package queue spreads a batch over many machines on NATS JetStream.
//
// parley keeps no cluster logic of its own: JetStream stores and hands out
// the work, and parley only names what goes where.
//
//	stream PARLEY_JOBS          one message per conversation, subject
//	                            parley.jobs.BATCH.JOB, work-queue retention:
//	                            a job leaves the stream when a worker acks it
//	consumer parley-workers     the durable pull consumer every worker shares;
//	                            a job a worker does not ack within AckWait
//	                            goes to another worker
//	object store parley-transcripts
//	                            BATCH/batch.json, the batch's manifest;
//	                            BATCH/partial/JOB.jsonl, the running
//	                            conversation's JSONL, uploaded after each
//	                            message so a redelivered job resumes from it;
//	                            BATCH/runs/JOB/ATTEMPT/NAME.{md,jsonl}, the
//	                            finished transcripts; BATCH/summary.json
//	key-value parley-results    BATCH.JOB → the job's Record, created once:
//	                            the first worker to store a result wins, so
//	                            a job is never counted twice; batch
//	                            --retry-failed withdraws a failed one
//	                            (Reopen), its transcript stored as the
//	                            running one, and publishes the job again
//	key-value parley-limits     one key per provider: the start times of its
//	                            recent requests (see SharedLimiter)
//
// A worker acks a job only after its Record is stored, and keeps a long
// conversation's job with in-progress acks; a worker that dies stops
// sending them, and JetStream hands the job to another worker, which
// continues the conversation from the stored JSONL.
package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// Names of what parley keeps in JetStream.
const (
	StreamName        = "PARLEY_JOBS"
	SubjectPrefix     = "parley.jobs"
	ConsumerName      = "parley-workers"
	ResultsBucket     = "parley-results"
	TranscriptsBucket = "parley-transcripts"
	LimitsBucket      = "parley-limits"
)

// DefaultAckWait is how long a job may go without an ack or an in-progress
// ack before JetStream hands it to another worker. Workers send in-progress
// acks every third of it.
const DefaultAckWait = 30 * time.Second

// Queue is an open connection to parley's streams and buckets.
type Queue struct {
	js          jetstream.JetStream
	stream      jetstream.Stream
	results     jetstream.KeyValue
	transcripts jetstream.ObjectStore
	limits      jetstream.KeyValue

	// beforePublish, when set, is called before Submit publishes a job,
	// with the message's id: tests act there, between Submit's looks at
	// the queue and its publish, as another submission or a worker may.
	beforePublish func(msgID string)
}

// Open creates parley's stream and buckets when they do not exist yet and
// returns the queue. Any number of workers and batches may call it at once.
func Open(ctx context.Context, js jetstream.JetStream) (*Queue, error) {
	q := &Queue{js: js}
	var err error
	q.stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "parley batch jobs: one conversation each",
		Subjects:    []string{SubjectPrefix + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the stream %s: %w", StreamName, err)
	}
	q.results, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ResultsBucket, Description: "parley batch results, one per conversation", History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the key-value bucket %s: %w", ResultsBucket, err)
	}
	q.limits, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: LimitsBucket, Description: "parley provider limits shared by every worker", History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the key-value bucket %s: %w", LimitsBucket, err)
	}
	q.transcripts, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: TranscriptsBucket, Description: "parley batch manifests and transcripts", Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the object store %s: %w", TranscriptsBucket, err)
	}
	return q, nil
}

// consumer returns the workers' consumer, creating it when missing. A
// positive ackWait sets its AckWait (the batch command does this); zero
// leaves an existing consumer as it is.
func (q *Queue) consumer(ctx context.Context, ackWait time.Duration) (jetstream.Consumer, error) {
	if ackWait <= 0 {
		c, err := q.stream.Consumer(ctx, ConsumerName)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, err
		}
		ackWait = DefaultAckWait
	}
	return q.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "parley workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1,
		MaxAckPending: -1,
	})
}

// Message is what the stream carries for one job.
type Message struct {
	Batch string    `json:"batch"`
	Job   batch.Job `json:"job"`
	// Retry says the job's failed result was withdrawn to run it again
	// (batch --resume --retry-failed): the transcript stored for it, one
	// an error stopped, is continued rather than kept as it ended.
	Retry bool `json:"retry,omitempty"`
}

// Record is a finished job as stored in the results bucket. Its Markdown
// and JSONL name objects in the transcripts store, not local files.
type Record struct {
	batch.Result
	Batch      string `json:"batch"`
	Worker     string `json:"worker"`
	Deliveries int    `json:"deliveries"` // how many times JetStream handed the job out
	// Said is how many messages of its transcript an agent said (not an
	// opening, nor a line typed in), which the batch command's rate
	// counts; a worker of an earlier parley records none.
	Said int `json:"said,omitempty"`
}

var idPattern = lazy.Regexp(`^[A-Za-z0-9_-]+$`)

func checkID(what, id string) error {
	if !idPattern().MatchString(id) {
		return fmt.Errorf("%s %q cannot name a queue subject: use letters, digits, - and _ only", what, id)
	}
	return nil
}

func subject(batchID, jobID string) string   { return SubjectPrefix + "." + batchID + "." + jobID }
func resultKey(batchID, jobID string) string { return batchID + "." + jobID }
func manifestObject(batchID string) string   { return batchID + "/batch.json" }
func summaryObject(batchID string) string    { return batchID + "/summary.json" }
func partialObject(batchID, jobID string) string {
	return batchID + "/partial/" + jobID + ".jsonl"
}
func runObject(batchID, jobID, attempt, file string) string {
	return batchID + "/runs/" + jobID + "/" + attempt + "/" + file
}

// Reclaim hands every job the workers' consumer holds back at once, by
// creating the consumer anew with the same AckWait; the jobs stay on the
// stream. It is for a queue whose workers are all gone: an embedded queue
// started again, whose server does not keep, across a restart, that its
// workers handed their running jobs back, and would hold them until
// AckWait. A worker still running one of them stores its result as
// usual; a job is counted once whoever finishes it.
func (q *Queue) Reclaim(ctx context.Context) error {
	c, err := q.stream.Consumer(ctx, ConsumerName)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the workers' consumer %s: %w", ConsumerName, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return fmt.Errorf("reading the workers' consumer %s: %w", ConsumerName, err)
	}
	if info.NumAckPending == 0 {
		return nil
	}
	if err := q.stream.DeleteConsumer(ctx, ConsumerName); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("handing back the jobs the workers' consumer %s holds: %w", ConsumerName, err)
	}
	if _, err := q.consumer(ctx, info.Config.AckWait); err != nil {
		return fmt.Errorf("setting up the workers' consumer %s again: %w", ConsumerName, err)
	}
	return nil
}
