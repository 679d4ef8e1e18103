// KeyValue: a subset of Redis over RESP2, so redis-cli, redis-benchmark and any Redis client
// can drive it: PING, ECHO, SET (EX/PX/NX/XX), GET, DEL, EXISTS, INCR, INCRBY, MGET, EXPIRE,
// TTL, DBSIZE, QUIT, COMMAND, and SETEX, PSETEX, DECR, DECRBY, PTTL, which clients send for their own calls. Inline and multibulk requests, pipelining. Every connection's
// handler sends its commands to one store actor (StoreLocator), which holds every key: in this
// process's memory, or, on a listener node (--cluster-port), replicated on every node.
using ActorSockets.CommandLine;
using Akka.Actor;
using KeyValue;
using KeyValue.Store;

return await ServerCommandLine.RunAsync(args,
    "Key-value server speaking the Redis protocol (RESP2): try redis-cli -p PORT.",
    _ => Props.Create<KeyValueHandler>(),
    // In the listener's process only (not in forking mode's workers): handlers find it by name.
    onStarted: server => StoreLocator.Start(server.System));
