@doc:initiate-call @needs:group-calls
Feature: Calling a group
  Alex calls the team group (Alex, Bob and Carol). Every other member's phone rings; each member
  decides for themselves, and the call goes on as long as someone joined.

  Background:
    Given Alex, Bob, Carol and Dave are signed in

  Scenario Outline: <A call> to the group rings every other member, not the caller
    When Alex starts <a call> to the team group
    Then Bob and Carol are told of an incoming call from Alex
    And Alex and Dave are not told anything more

    Examples:
      | A call        | a call        |
      | An audio call | an audio call |
      | A video call  | a video call  |

  Scenario: The first member to accept is announced to the caller; the others keep ringing
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call
    And Carol is not told anything more
    When Carol accepts the call
    Then Alex and Carol are not told anything more

  Scenario: One member rejecting does not stop the call for the others
    When Alex starts an audio call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Bob rejects the call
    Then Alex and Carol are not told anything more
    When Carol accepts the call
    Then Alex is told that Carol accepted the call

  Scenario: The caller hears a rejection only when every member rejected
    When Alex starts an audio call to the team group
    And Bob rejects the call
    And Carol rejects the call
    Then Alex is told that Carol rejected the call
    And Alex has no active call

  @needs:time-control
  Scenario: A group call nobody joins stops after 45 seconds
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When the call rings for 45 seconds without an answer
    Then Alex is told that the call went unanswered
    And Bob and Carol are told that they missed the call

  Scenario: When a participant ends the group call, everyone in it is told
    When Alex starts an audio call to the team group
    And Bob accepts the call
    And Carol accepts the call
    Then Alex is told that Bob accepted the call
    When Bob ends the call
    Then Alex and Carol are told that the call has ended

  Scenario: Busy is not an answer to a group call
    When Alex starts an audio call to the team group
    Then Bob is told of an incoming call from Alex
    When Bob tries to answer the call that he is busy
    Then Bob is refused with ERR_CALL_GROUP_INVALID_STATUS
    And Alex is not told anything more
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

  Scenario: Someone outside the group cannot answer its call
    When Alex starts an audio call to the team group
    And Dave tries to accept the call
    Then Dave is refused with ERR_CALL_NOT_A_PART
    And Alex is not told anything more
