// The job state machine: JobTable::transition is the only way a job's state changes.
#include "job_table.hpp"

#include <gtest/gtest.h>

namespace sweep::broker {
namespace {

using S = JobState;
constexpr S kAll[] = {S::kQueued,    S::kRunning, S::kCancelling,
                      S::kCompleted, S::kFailed,  S::kCancelled};

std::unique_ptr<LiveJob> new_job(const std::string& id) {
  return std::make_unique<LiveJob>(id, JobSpec{JobKind::kBacktest}, std::nullopt, Objective{});
}

// An illegal transition asserts in debug builds (the sanitizer suites) and is refused otherwise.
Status illegal(LiveJob& job, S to) {
  Status s = Status::Internal("not run");
  EXPECT_DEBUG_DEATH(s = JobTable::transition(job, to), "illegal job transition");
  return s;
}

TEST(JobTable, ANewJobIsQueuedAndRunsToCompletion) {
  JobTable jobs;
  LiveJob& job = jobs.add(new_job("j1"));
  EXPECT_EQ(job.state(), S::kQueued);
  EXPECT_TRUE(JobTable::transition(job, S::kRunning).ok());
  EXPECT_TRUE(JobTable::transition(job, S::kCompleted).ok());
  EXPECT_EQ(job.state(), S::kCompleted);
}

TEST(JobTable, ACancelPassesThroughCancelling) {
  for (S from : {S::kQueued, S::kRunning}) {
    JobTable jobs;
    LiveJob& job = jobs.add(new_job("j1"), from);
    EXPECT_TRUE(JobTable::transition(job, S::kCancelling).ok());
    EXPECT_TRUE(JobTable::transition(job, S::kCancelled).ok());
    EXPECT_EQ(job.state(), S::kCancelled);
  }
}

TEST(JobTable, TheSameStateIsNoChange) {
  JobTable jobs;
  for (S s : kAll) {
    LiveJob& job = jobs.add(new_job(std::string("j") + std::string(job_state_name(s))), s);
    EXPECT_TRUE(JobTable::transition(job, s).ok());  // a final write retried
    EXPECT_EQ(job.state(), s);
  }
}

TEST(JobTable, TerminalStatesStick) {
  for (S terminal : {S::kCompleted, S::kFailed, S::kCancelled}) {
    for (S to : kAll) {
      if (to == terminal) continue;
      JobTable jobs;
      LiveJob& job = jobs.add(new_job("j1"), terminal);
      EXPECT_FALSE(job_transition_allowed(terminal, to));
      EXPECT_EQ(illegal(job, to).code(), Code::kInternal)
          << job_state_name(terminal) << " -> " << job_state_name(to);
      EXPECT_EQ(job.state(), terminal);
    }
  }
}

TEST(JobTable, SkippingAStateIsCaught) {
  struct Case {
    S from, to;
  };
  for (Case c : {Case{S::kQueued, S::kCompleted}, Case{S::kQueued, S::kCancelled},
                 Case{S::kRunning, S::kQueued}, Case{S::kRunning, S::kCancelled},
                 Case{S::kCancelling, S::kRunning}, Case{S::kCancelling, S::kCompleted},
                 Case{S::kCancelling, S::kQueued}}) {
    JobTable jobs;
    LiveJob& job = jobs.add(new_job("j1"), c.from);
    EXPECT_FALSE(job_transition_allowed(c.from, c.to));
    EXPECT_EQ(illegal(job, c.to).code(), Code::kInternal);
    EXPECT_EQ(job.state(), c.from);
  }
}

TEST(JobTable, AJobThatCannotResumeFailsFromAnyLiveState) {
  for (S from : {S::kQueued, S::kRunning, S::kCancelling}) {
    EXPECT_TRUE(job_transition_allowed(from, S::kFailed)) << job_state_name(from);
  }
}

TEST(JobTable, KeepsJobsInSubmissionOrder) {
  JobTable jobs;
  jobs.add(new_job("jb"));
  jobs.add(new_job("ja"));
  jobs.add(new_job("jc"));
  EXPECT_EQ(jobs.order(), (std::vector<std::string>{"jb", "ja", "jc"}));
  jobs.erase("ja");
  EXPECT_EQ(jobs.order(), (std::vector<std::string>{"jb", "jc"}));
  EXPECT_EQ(jobs.find("ja"), nullptr);
  ASSERT_NE(jobs.find("jc"), nullptr);
  EXPECT_EQ(jobs.size(), 2u);
}

}  // namespace
}  // namespace sweep::broker
