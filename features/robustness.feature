@doc:overview @needs:fault-control
Feature: When the network lets a phone down
  On a real network a phone can miss news about a call, hear the same news twice, or lose its
  connection for a while. These scenarios make that happen on purpose and say what the app then
  sees, and what brings it back to the truth about the call. A phone that reconnects is told
  nothing of what it missed while it was away: neither CometChat's SDK nor the server catches
  it up.

  Background:
    Given Alex and Bob are signed in

  @doc:cancel-call @behaviour:lost-cancel-keeps-ringing @behaviour:answering-a-finished-call-refused @behaviour:terminal-call-never-changes
  Scenario: Bob never hears that Alex cancelled, so his phone rings on until he tries to answer
    Given Bob will miss the news that Alex cancelled the call
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Alex cancels the call
    Then Alex has no active call
    And Bob is not told anything more
    When Bob tries to accept the call
    Then Bob is refused because the call is already over (ERR_CALL_TERMINATED)
    And Bob has no active call
    And Alex and Bob are not told anything more

  @doc:end-call @behaviour:lost-end-blocks-next-call
  Scenario: Bob never hears that Alex ended their call, and cannot call again until he clears it
    Given Alex and Bob are in a call
    And Bob will miss the news that Alex ended the call
    When Alex ends the call
    Then Alex has no active call
    And Bob is not told anything more
    And Bob's active call is the call with Alex
    When Bob tries to start an audio call to Alex
    Then Bob is refused because he already has a call (CALL_ALREADY_INITIATED)
    And Alex is not told anything more
    When Bob clears his active call
    And Bob starts an audio call to Alex
    Then Alex is told of an incoming call from Bob

  @doc:call-listeners @behaviour:duplicate-news-told-twice
  Scenario: Bob's phone hears Alex's cancel twice, and his app is told twice
    Given Bob will hear twice the news that Alex cancelled the call
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Alex cancels the call
    Then Bob is told that Alex cancelled the call
    And Bob is told a second time that Alex cancelled the call
    And Bob has no active call
    And Alex and Bob are not told anything more

  @doc:accept-call @needs:time-control @behaviour:late-accept-refused
  Scenario: Bob answers after Alex's phone gave up, having missed the news that it did
    Given Bob will miss the news that the call went unanswered
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When the call rings for 45 seconds without an answer
    Then Alex is told that the call went unanswered
    And Bob is not told anything more
    When Bob tries to accept the call
    Then Bob is refused because the call is already over (ERR_CALL_TERMINATED)
    And Bob has no active call
    And Alex and Bob are not told anything more

  @needs:time-control @needs:reconnect @behaviour:reconnect-after-drop
  Scenario: Bob's phone loses its connection while the call rings, comes back, and hears the cancel
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob's phone loses its connection
    And Bob's phone is back online once it tries again
    And Alex cancels the call
    Then Bob is told that Alex cancelled the call
    And Alex and Bob are not told anything more

  @needs:time-control @needs:reconnect @behaviour:reconnect-retries-while-refused
  Scenario: Bob's phone is turned away when it first tries to reconnect, and gets back on a later try
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob's phone loses its connection and is turned away for a while
    Then Bob's phone is still offline after its first try
    When Bob's phone is back online once it tries again
    And Alex cancels the call
    Then Bob is told that Alex cancelled the call
    And Alex and Bob are not told anything more

  @doc:cancel-call @needs:time-control @needs:reconnect @behaviour:reconnect-tells-nothing-missed @behaviour:answering-a-finished-call-refused @behaviour:terminal-call-never-changes
  Scenario: Alex cancels while Bob's phone is offline; back online, Bob's phone is not told
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob's phone loses its connection
    And Alex cancels the call
    And Bob's phone is back online once it tries again
    Then Bob is not told anything more
    When Bob tries to accept the call
    Then Bob is refused because the call is already over (ERR_CALL_TERMINATED)
    And Alex and Bob are not told anything more
