@doc:initiate-call @needs:group-calls
Feature: Calling a group
  Alex calls the team group (Alex, Bob and Carol). Every other member's phone rings; each member
  decides for themselves, and the call goes on as long as someone joined.

  Background:
    Given Alex, Bob, Carol and Dave are signed in

  @behaviour:initiate-group-call-rings-members @behaviour:group-ring-excludes-caller @behaviour:call-type-audio-or-video
  Scenario Outline: Calling the group rings every other member, not the caller: <a call>
    When Alex starts <a call> to the team group
    Then Bob and Carol are told of an incoming call from Alex
    And Alex and Dave are not told anything more

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:initiate-group-call-rings-members @behaviour:incoming-call-carries-details @behaviour:call-type-audio-or-video
  Scenario Outline: The ring says it is <a call> to the team group
    When Alex starts <a call> to the team group
    Then Bob and Carol are told of an incoming <kind> call from Alex to the team group

    Examples:
      | a call        | kind  |
      | an audio call | audio |
      | a video call  | video |

  @behaviour:group-first-accept-announced-once @behaviour:accept-tells-caller
  Scenario: The first member to accept is announced to the caller; the others keep ringing
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call
    And Carol is not told anything more
    When Carol accepts the call
    Then Alex and Carol are not told anything more

  @behaviour:group-reject-keeps-ringing @behaviour:accept-tells-caller
  Scenario: One member rejecting does not stop the call for the others
    When Alex starts an audio call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob rejects the call
    Then Alex and Carol are not told anything more
    When Carol accepts the call
    Then Alex is told that Carol accepted the call

  @behaviour:group-all-rejected-tells-caller @behaviour:reject-tells-caller @behaviour:terminal-clears-active-call
  Scenario: The caller hears a rejection only when every member rejected
    When Alex starts an audio call to the team group
    And Bob rejects the call
    And Carol rejects the call
    Then Alex is told that Carol rejected the call
    And Alex has no active call

  @behaviour:group-cancel-stops-every-member @behaviour:cancel-tells-receiver
  Scenario: The caller cancelling after one member rejected stops the call for the others
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob rejects the call
    And Alex cancels the call
    Then Carol is told that Alex cancelled the call
    And Bob is not told anything more

  @behaviour:group-rejected-member-cannot-join @behaviour:accept-error-reported
  Scenario: A member who rejected cannot join later
    When Alex starts an audio call to the team group
    And Bob rejects the call
    And Bob tries to accept the call
    Then Bob is refused because he already rejected it (ERR_CALL_USER_ALREADY_REJECTED or ERR_CALL_NOT_A_PART)
    And Alex is not told anything more

  @needs:two-devices
  @behaviour:group-member-other-device-after-reject @behaviour:every-device-rings
  Scenario: A member's other device is not rung again after they reject on one
    Given Bob is also signed in on his laptop
    When Alex starts an audio call to the team group
    Then Bob's phone and Bob's laptop are told of an incoming call from Alex
    When Bob's phone rejects the call
    Then Bob's laptop is not told anything more
    And Alex is not told anything more

  @needs:time-control
  @behaviour:group-call-timeout @behaviour:custom-timeout @behaviour:timeout-told-as-unanswered
  Scenario: A group call with a longer timeout rings until it is up
    When Alex starts a video call to the team group with a timeout of 60 seconds
    Then Bob and Carol are told of an incoming call from Alex
    When the call rings for 59 seconds without an answer
    Then Alex, Bob and Carol are not told anything more
    When one more second passes
    Then Alex is told that the call went unanswered
    And Bob and Carol are told that they missed the call

  @needs:time-control
  @behaviour:group-call-timeout @behaviour:default-timeout-45s @behaviour:timeout-told-as-unanswered
  Scenario: A group call nobody joins stops after 45 seconds
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When the call rings for 45 seconds without an answer
    Then Alex is told that the call went unanswered
    And Bob and Carol are told that they missed the call

  @behaviour:group-end-tells-everyone-joined @behaviour:end-tells-other-party
  Scenario: When a participant ends the group call, everyone in it is told
    When Alex starts an audio call to the team group
    And Bob accepts the call
    And Carol accepts the call
    Then Alex is told that Bob accepted the call
    When Bob ends the call
    Then Alex and Carol are told that Bob ended the call

  @behaviour:group-end-tells-everyone-joined @behaviour:end-tells-other-party @behaviour:ender-hears-nothing-back
  Scenario: When the caller ends the group call, everyone who joined is told
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob accepts the call
    And Carol accepts the call
    Then Alex is told that Bob accepted the call
    When Alex ends the call
    Then Bob and Carol are told that Alex ended the call
    And Alex, Bob and Carol are not told anything more

  @behaviour:group-ringing-members-not-told-of-end
  Scenario: Members still ringing when the group call ends are not told
    When Alex starts an audio call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call
    When Alex ends the call
    Then Bob is told that Alex ended the call
    And Carol is not told anything more

  @behaviour:group-busy-not-an-answer @behaviour:busy-error-reported
  Scenario: Busy is not an answer to a group call
    When Alex starts an audio call to the team group
    Then Bob is told of an incoming call from Alex
    When Bob tries to answer the call that he is busy
    Then Bob is refused because busy is not an answer to a group call (ERR_CALL_GROUP_INVALID_STATUS)
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  @behaviour:non-party-refused @behaviour:reject-error-reported
  Scenario: Someone outside the group cannot reject its call
    When Alex starts an audio call to the team group
    And Dave tries to reject the call
    Then Dave is refused because he is not in the group (ERR_CALL_NOT_A_PART)
    And Alex is not told anything more

  @behaviour:non-party-refused @behaviour:accept-error-reported
  Scenario: Someone outside the group cannot answer its call
    When Alex starts an audio call to the team group
    And Dave tries to accept the call
    Then Dave is refused because he is not in the group (ERR_CALL_NOT_A_PART)
    And Alex is not told anything more
