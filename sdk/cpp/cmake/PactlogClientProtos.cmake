# pactlog_client_add_protos(<target> <proto_dir>): generates the C++
# messages and gRPC stubs the client needs from the .proto files under
# <proto_dir> into <binary dir>/generated, adds them to <target>'s sources
# and exports that directory, so includes read "pactlog/v1/events.pb.h".
# For the standalone build only; the full build reuses proto/'s targets.
#
# protoc is run by hand rather than through protobuf_generate(), which
# derives output paths from the current source directory and so cannot
# generate files that live outside it.
function(pactlog_client_add_protos target proto_dir)
  set(messages
    pactlog/v1/events.proto
    pactlog/v1/state.proto
    pactlog/v1/ledger.proto
    pactlog/v1/query.proto
    pactlog/v1/stream.proto
    pactlog/v1/admin.proto
    google/rpc/status.proto
    google/rpc/error_details.proto
    pactlog/wire/health.proto)
  set(services
    pactlog/v1/ledger.proto
    pactlog/v1/query.proto
    pactlog/v1/stream.proto
    pactlog/v1/admin.proto)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated)
  file(MAKE_DIRECTORY ${out})
  set(include_paths --proto_path=${proto_dir})
  foreach(dir IN LISTS Protobuf_INCLUDE_DIRS)
    list(APPEND include_paths --proto_path=${dir})
  endforeach()
  foreach(proto IN LISTS messages)
    if(NOT EXISTS ${proto_dir}/${proto})
      message(FATAL_ERROR "${proto} not found under PACTLOG_CLIENT_PROTO_DIR "
        "(${proto_dir}); point it at pactlog's proto/ directory")
    endif()
    string(REGEX REPLACE "[.]proto$" "" stem ${proto})
    set(outputs ${out}/${stem}.pb.h ${out}/${stem}.pb.cc)
    set(generators --cpp_out=${out})
    set(depends ${proto_dir}/${proto} protobuf::protoc)
    if(proto IN_LIST services)
      list(APPEND outputs ${out}/${stem}.grpc.pb.h ${out}/${stem}.grpc.pb.cc)
      list(APPEND generators --grpc_out=${out}
        --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
      list(APPEND depends gRPC::grpc_cpp_plugin)
    endif()
    add_custom_command(OUTPUT ${outputs}
      COMMAND protobuf::protoc ${include_paths} ${generators}
        ${proto_dir}/${proto}
      DEPENDS ${depends}
      COMMENT "Generating C++ from ${proto}"
      VERBATIM)
    target_sources(${target} PRIVATE ${outputs})
  endforeach()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out}>)
endfunction()
