@doc:overview
@behaviour:refusal-changes-nothing
Feature: What the call service refuses
  An operation that makes no sense is refused with a clear reason, and nothing changes: nobody is
  told anything, and the call carries on as before.

  Background:
    Given Alex, Bob and Carol are signed in

  @doc:initiate-call
  @behaviour:cannot-call-self @behaviour:initiate-error-reported
  Scenario: Nobody can call themselves
    When Alex tries to start an audio call to himself
    Then Alex is refused because nobody can call themselves (ERR_CALLING_SELF)
    And Alex has no active call

  @doc:initiate-call
  @behaviour:initiate-unknown-receiver-fails @behaviour:initiate-error-reported
  Scenario: Nobody can call a user who does not exist
    When Alex tries to start an audio call to a user who does not exist
    Then Alex is refused because there is no such user (ERR_UID_NOT_FOUND)
    And Alex has no active call

  @doc:initiate-call @needs:group-calls
  @behaviour:initiate-unknown-receiver-fails @behaviour:initiate-error-reported
  Scenario: Nobody can call a group that does not exist
    When Alex tries to start a video call to a group that does not exist
    Then Alex is refused because there is no such group (ERR_GUID_NOT_FOUND)
    And Alex has no active call

  @doc:accept-call
  @behaviour:unknown-session-refused @behaviour:accept-error-reported
  Scenario: Nobody can accept a call that does not exist
    When Bob tries to accept a call that does not exist
    Then Bob is refused because there is no such call (ERR_CALL_SESSION_NOT_FOUND)
    And Bob has no active call

  @doc:cancel-call
  @behaviour:terminal-call-never-changes @behaviour:accept-error-reported @behaviour:cancel-tells-receiver
  Scenario: A cancelled call cannot be accepted any more
    When Alex starts an audio call to Bob
    And Alex cancels the call
    Then Bob is told that Alex cancelled the call
    When Bob tries to accept the call
    Then Bob is refused because the call is already over (ERR_CALL_TERMINATED)
    And Alex is not told anything more
    And Bob has no active call

  @doc:end-call
  @behaviour:ringing-call-cannot-be-ended @behaviour:end-error-reported
  Scenario: A call that is still ringing cannot be ended, only cancelled
    When Alex starts an audio call to Bob
    And Alex tries to end the call
    Then Alex is refused because nobody has answered yet (ERR_CALL_NOT_STARTED)
    And Bob is told of an incoming call from Alex
    And Bob is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:cancel-call
  @behaviour:cancel-only-before-answer @behaviour:answered-call-stays-answered @behaviour:cancel-error-reported
  Scenario: An accepted call cannot be cancelled any more
    Given Alex and Bob are in a call
    When Alex tries to cancel the call
    Then Alex is refused because the call was already answered (ERR_CALL_ONGOING_TO_INVALID)
    And Bob is not told anything more
    And Bob's active call is the call

  @doc:reject-call
  @behaviour:answered-call-stays-answered @behaviour:reject-error-reported
  Scenario: An accepted call cannot be rejected any more
    Given Alex and Bob are in a call
    When Bob tries to reject the call
    Then Bob is refused because he already answered (ERR_CALL_ONGOING_TO_INVALID)
    And Alex is not told anything more

  @doc:accept-call
  @behaviour:non-party-refused @behaviour:accept-error-reported
  Scenario: Someone else cannot answer a call meant for Bob
    When Alex starts an audio call to Bob
    And Carol tries to accept the call
    Then Carol is refused because the call is not hers (ERR_CALL_NOT_A_PART)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:reject-call
  @behaviour:wrong-party-refused @behaviour:reject-error-reported
  Scenario: The caller cannot reject his own call
    When Alex starts an audio call to Bob
    And Alex tries to reject the call
    Then Alex is refused because only the one being called can reject (ERR_CALL_WRONG_PARTY or ERR_CALL_NOT_A_PART)
    And Bob is told of an incoming call from Alex
    And Bob is not told anything more

  @doc:cancel-call
  @behaviour:wrong-party-refused @behaviour:cancel-error-reported
  Scenario: Only the caller can cancel a call
    When Alex starts an audio call to Bob
    And Bob tries to cancel the call
    Then Bob is refused because only the caller can cancel (ERR_CALL_WRONG_PARTY or ERR_CALL_NOT_A_PART)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:busy-call-handling
  @behaviour:answered-call-stays-answered @behaviour:busy-error-reported
  Scenario: An accepted call cannot be answered busy any more
    Given Alex and Bob are in a call
    When Bob tries to answer the call that he is busy
    Then Bob is refused because he already answered (ERR_CALL_ONGOING_TO_INVALID)
    And Alex is not told anything more
    And Bob's active call is the call

  @doc:reject-call
  @behaviour:non-party-refused @behaviour:reject-error-reported
  Scenario: Someone else cannot reject a call meant for Bob
    When Alex starts an audio call to Bob
    And Carol tries to reject the call
    Then Carol is refused because the call is not hers (ERR_CALL_NOT_A_PART)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:end-call @needs:status-updates
  @behaviour:terminal-call-never-changes @behaviour:end-error-reported
  Scenario: A call that is over cannot be ended by the other side too
    Given Alex and Bob are in a call
    When Alex ends the call
    Then Bob is told that Alex ended the call
    When Bob tries to end the call again
    Then Bob is refused because the call is already over (ERR_CALL_TERMINATED)
    And Alex is not told anything more

  @doc:overview @needs:status-updates
  @behaviour:no-return-to-ringing
  Scenario: A call cannot be put back to ringing
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob tries to put the call back to ringing
    Then Bob is refused because a call never starts ringing again (ERR_CALL_INVALID_INIT)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:overview @needs:status-updates
  @behaviour:unknown-status-refused
  Scenario: A status that does not exist is refused
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob tries to give the call a status that does not exist
    Then Bob is refused because there is no such status (ERR_BAD_REQUEST)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @doc:initiate-call @needs:sign-out
  @behaviour:initiate-needs-signed-in-user @behaviour:initiate-error-reported
  Scenario: Somebody who is not signed in cannot start a call
    Given Alex has signed out
    When Alex tries to start an audio call to Bob
    Then Alex is refused because he is not signed in (AUTH_ERR_AUTH_TOKEN_NOT_FOUND or USER_NOT_LOGED_IN)
    And Bob is not told anything more

  @doc:busy-call-handling
  @behaviour:wrong-party-refused @behaviour:busy-error-reported
  Scenario: The caller cannot answer his own call that he is busy
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Alex tries to answer the call that he is busy
    Then Alex is refused because only the one being called can answer (ERR_CALL_WRONG_PARTY or ERR_CALL_NOT_A_PART)
    And Bob is not told anything more

  @doc:initiate-call @needs:status-updates
  @behaviour:wrong-party-refused
  Scenario: Only the caller's app can say a call went unanswered
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob tries to mark the call as unanswered
    Then Bob is refused because only the caller's app gives up on a call (ERR_CALL_WRONG_PARTY or ERR_CALL_NOT_A_PART)
    And Alex is not told anything more

  @doc:initiate-call @needs:status-updates
  @behaviour:answered-call-stays-answered
  Scenario: An accepted call cannot go unanswered any more
    Given Alex and Bob are in a call
    When Alex tries to mark the call as unanswered
    Then Alex is refused because the call was already answered (ERR_CALL_ONGOING_TO_INVALID)
    And Bob is not told anything more
